// The shopstack API client: openapi-fetch over the types openapi-typescript generates from the
// OpenAPI document into schema.d.ts (`make client`). Every path, parameter, body and response is
// typed; a route or field the API does not have does not compile.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

export type { components, operations, paths } from "./schema";
export type Schemas = components["schemas"];

/**
 * createShopClient returns a client for the API at baseUrl (the stack output `apiUrl`, e.g. from
 * `pulumi stack output --json`). idToken is a Cognito ID token of a signed-in user, sent as is in
 * the Authorization header as API Gateway's Cognito authorizer expects; omit it for public routes.
 */
export function createShopClient(baseUrl: string, idToken?: string) {
  return createClient<paths>({
    baseUrl,
    headers: idToken ? { Authorization: idToken } : {},
  });
}

export type ShopClient = ReturnType<typeof createShopClient>;
