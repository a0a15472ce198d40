// usage.ts is what a frontend writes against the types openapi-typescript generates from
// openapi.json (into ./api.ts). functions/openapi/typescript_test.go type-checks it with
// tsc --strict: the lines marked @ts-expect-error must NOT compile, so the generated types
// are proven to carry the contract, not just to exist.
import type { components, paths } from "./api";

type Schemas = components["schemas"];
export type Product = Schemas["Product"];
export type Order = Schemas["Order"];
export type ErrorBody = Schemas["ErrorBody"];

// The JSON body of a route's response with a given status.
type Body<P extends keyof paths, M extends keyof paths[P], S extends number> = paths[P][M] extends {
  responses: infer R;
}
  ? S extends keyof R
    ? R[S] extends { content: { "application/json": infer B } }
      ? B
      : never
    : never
  : never;

// The JSON request body of a route.
type Input<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody: { content: { "application/json": infer B } };
}
  ? B
  : never;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(`${status} ${body.error.code}: ${body.error.message}`);
  }
}

// A small client over fetch; baseUrl is the stack output apiUrl (ends in "/"), token the
// Cognito ID token of a signed-in user.
export class Shop {
  constructor(
    private readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await fetch(this.baseUrl + path.replace(/^\//, ""), {
      method,
      headers: {
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...(this.token ? { Authorization: this.token } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json: unknown = await res.json();
    if (!res.ok) throw new ApiError(res.status, json as ErrorBody);
    return json as T;
  }

  listProducts(query: NonNullable<paths["/products"]["get"]["parameters"]["query"]> = {}) {
    const q = new URLSearchParams();
    if (query.category) q.set("category", query.category);
    if (query.limit) q.set("limit", String(query.limit));
    if (query.cursor) q.set("cursor", query.cursor);
    return this.call<Body<"/products", "get", 200>>("GET", `/products?${q}`);
  }

  createProduct(p: Input<"/products", "post">) {
    return this.call<Body<"/products", "post", 201>>("POST", "/products", p);
  }

  setCartItem(cartId: string, productId: string, body: Input<"/carts/{cartId}/items/{productId}", "put">) {
    return this.call<Body<"/carts/{cartId}/items/{productId}", "put", 200>>(
      "PUT",
      `/carts/${encodeURIComponent(cartId)}/items/${encodeURIComponent(productId)}`,
      body,
    );
  }

  placeOrder(body: Input<"/orders", "post">, headers: paths["/orders"]["post"]["parameters"]["header"]) {
    return this.call<Body<"/orders", "post", 201>>("POST", "/orders", body, headers);
  }
}

export async function example(shop: Shop): Promise<string> {
  const page = await shop.listProducts({ category: "kitchen", limit: 10 });
  const first: Product | undefined = page.products[0];
  const next: string | undefined = page.nextCursor; // optional: absent on the last page
  const price: number = first ? first.price.amount : 0; // integer minor units
  const created = await shop.createProduct({ name: "Mug", category: "kitchen", price: { amount: 1200, currency: "EUR" } });
  const cart = await shop.setCartItem("my-cart", created.productId, { quantity: 2 });
  const total: Schemas["Money"] = cart.total;
  const order: Order = await shop.placeOrder({ cartId: cart.cartId }, { "Idempotency-Key": crypto.randomUUID() });
  const status: "placed" | "shipped" | "delivered" | "cancelled" = order.status;
  return `${next} ${price} ${total.currency} ${status}`;
}

// What the contract forbids does not compile.
export function refused(shop: Shop) {
  // @ts-expect-error a price is {amount, currency}, not a number
  shop.createProduct({ name: "Mug", category: "kitchen", price: 12 });
  // @ts-expect-error name is required
  shop.createProduct({ category: "kitchen", price: { amount: 1, currency: "EUR" } });
  // @ts-expect-error no unknown fields
  shop.setCartItem("c", "p", { quantity: 1, colour: "blue" });
  // @ts-expect-error checkout needs an Idempotency-Key
  shop.placeOrder({ cartId: "c" }, {});
  // @ts-expect-error order statuses are a closed set
  const lost: Order["status"] = "lost";
  // @ts-expect-error a Product has no such field
  const cost: number = ({} as Product).cost;
  // @ts-expect-error a 404 answers the error shape, not a product
  const notFound: Body<"/products/{productId}", "get", 404> = { productId: "p" };
  const err: Body<"/products/{productId}", "get", 404> = { error: { code: "not_found", message: "no such product" } };
  return [lost, cost, notFound, err];
}
