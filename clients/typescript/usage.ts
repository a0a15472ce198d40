// usage.ts calls every route of the API through createShopClient, as a frontend would.
// clients/typescript/client_test.go type-checks it with tsc (tsconfig.json: --strict) and fails when
// a route of the OpenAPI document has no call here. The lines marked @ts-expect-error must NOT
// compile: they prove the generated types carry the contract, not just that they exist.
import { createShopClient, type Schemas, type ShopClient } from "./index";

export async function everyRoute(baseUrl: string, idToken: string): Promise<string[]> {
  const shop: ShopClient = createShopClient(baseUrl, idToken);
  const seen: string[] = [];

  // Public: the catalog and the health check.
  const page = await shop.GET("/products", { params: { query: { category: "kitchen", limit: 10 } } });
  const first: Schemas["Product"] | undefined = page.data?.products[0];
  const next: string | undefined = page.data?.nextCursor; // absent on the last page
  const one = await shop.GET("/products/{productId}", { params: { path: { productId: first?.productId ?? "p-1" } } });
  if (one.error) seen.push(`${one.response.status} ${one.error.error.code}: ${one.error.error.message}`);
  const health = await shop.GET("/health");
  seen.push(`${health.data?.region} ${health.data?.status} ${next}`);

  // Admin: the catalog's writes.
  const created = await shop.POST("/products", {
    body: { name: "Mug", category: "kitchen", price: { amount: 1200, currency: "EUR" }, stock: 5 },
  });
  const productId = created.data?.productId ?? "p-1";
  await shop.PUT("/products/{productId}", {
    params: { path: { productId } },
    body: { name: "Mug", category: "kitchen", price: { amount: 1100, currency: "EUR" }, lowStockThreshold: 2 },
  });
  const stocked = await shop.POST("/products/{productId}/stock", { params: { path: { productId } }, body: { delta: 10 } });
  const stock: number | undefined = stocked.data?.stock;

  // Signed in: the cart.
  const cartId = "my-cart";
  const cart = await shop.PUT("/carts/{cartId}/items/{productId}", {
    params: { path: { cartId, productId } },
    body: { quantity: 2 },
  });
  const total: Schemas["Money"] | undefined = cart.data?.total; // integer minor units
  await shop.GET("/carts/{cartId}", { params: { path: { cartId } } });
  await shop.DELETE("/carts/{cartId}/items/{productId}", { params: { path: { cartId, productId } } });

  // Signed in: checkout and orders.
  const placed = await shop.POST("/orders", {
    params: { header: { "Idempotency-Key": crypto.randomUUID() } },
    body: { cartId },
  });
  const orderId = placed.data?.orderId ?? "o-1";
  const orders = await shop.GET("/orders", { params: { query: { limit: 20 } } });
  const order = await shop.GET("/orders/{orderId}", { params: { path: { orderId } } });
  const status: Schemas["Order"]["status"] | undefined = order.data?.status;
  const cancelled = await shop.POST("/orders/{orderId}/cancel", { params: { path: { orderId } } });
  seen.push(`${stock} ${total?.currency} ${orders.data?.orders.length} ${status} ${cancelled.data?.status}`);
  return seen;
}

// What the contract forbids does not compile.
export function refused(shop: ShopClient) {
  // @ts-expect-error no such route
  shop.GET("/users");
  // @ts-expect-error products are not deleted
  shop.DELETE("/products/{productId}", { params: { path: { productId: "p" } } });
  // @ts-expect-error a price is {amount, currency}, not a number
  shop.POST("/products", { body: { name: "Mug", category: "kitchen", price: 12 } });
  // @ts-expect-error name is required
  shop.POST("/products", { body: { category: "kitchen", price: { amount: 1, currency: "EUR" } } });
  // @ts-expect-error no unknown fields (a literal passed straight to PUT escapes TypeScript's
  // excess-property check through openapi-fetch's generics: type it as the schema, as here)
  const quantity: Schemas["CartQuantity"] = { quantity: 1, colour: "blue" };
  // @ts-expect-error checkout needs an Idempotency-Key
  shop.POST("/orders", { body: { cartId: "c" } });
  // @ts-expect-error a path parameter is required
  shop.GET("/orders/{orderId}", {});
  // @ts-expect-error order statuses are a closed set
  const lost: Schemas["Order"]["status"] = "lost";
  // @ts-expect-error a Product has no such field
  const cost: number = ({} as Schemas["Product"]).cost;
  return [lost, cost, quantity];
}
