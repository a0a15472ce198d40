// convert.mjs imports an OpenAPI document the way Bruno and Postman do, with the converters their
// importers use (@usebruno/converters' openApiToBruno; Postman's openapi-to-postmanv2), and prints
// what each made as JSON: per tool, its requests (method, path with {params}, the auth each sends)
// and its variables. clients/collections/collections_test.go runs it: node convert.mjs <openapi.json>
import { readFileSync } from "node:fs";
import { openApiToBruno } from "@usebruno/converters";
import Converter from "openapi-to-postmanv2";

const file = process.argv[2];
if (!file) {
  console.error("usage: node convert.mjs <openapi.json>");
  process.exit(2);
}
const text = readFileSync(file, "utf8");

// Bruno: requests nest in folders (items); urls are "{{baseUrl}}/carts/:cartId".
const bruno = await openApiToBruno(JSON.parse(text));
const brunoRequests = [];
(function walk(items) {
  for (const i of items ?? []) {
    walk(i.items);
    if (i.request) {
      const auth = i.request.auth ?? {};
      brunoRequests.push({
        method: i.request.method,
        path: i.request.url.replace(/^\{\{baseUrl\}\}/, "").replace(/:([A-Za-z0-9_]+)/g, "{$1}"),
        base: i.request.url.startsWith("{{baseUrl}}"),
        auth: auth.mode === "apikey" ? `apikey ${auth.apikey?.placement ?? ""} ${auth.apikey?.key ?? ""}`.trim() : auth.mode ?? "",
      });
    }
  }
})(bruno.items);

// Postman: requests nest in folders (item); url.path is ["carts", ":cartId"], url.host ["{{baseUrl}}"].
const postman = await new Promise((resolve, reject) =>
  Converter.convert({ type: "string", data: text }, {}, (err, res) =>
    err ? reject(err) : res.result ? resolve(res.output[0].data) : reject(new Error(res.reason)),
  ),
);
const postmanAuth = (auth) => {
  if (!auth) return "";
  if (auth.type !== "apikey") return auth.type;
  const kv = Object.fromEntries((auth.apikey ?? []).map(({ key, value }) => [key, value]));
  return `apikey ${kv.in ?? ""} ${kv.key ?? ""}`.trim();
};
const postmanRequests = [];
(function walk(items, inherited) {
  for (const i of items ?? []) {
    const auth = i.auth ?? inherited;
    walk(i.item, auth);
    if (i.request) {
      postmanRequests.push({
        method: i.request.method,
        path: "/" + i.request.url.path.map((s) => s.replace(/^:(.+)$/, "{$1}")).join("/"),
        base: (i.request.url.host ?? []).join(".") === "{{baseUrl}}",
        auth: postmanAuth(i.request.auth ?? auth),
      });
    }
  }
})(postman.item, postman.auth);

console.log(
  JSON.stringify({
    bruno: { name: bruno.name, requests: brunoRequests },
    postman: { name: postman.info?.name, requests: postmanRequests, variables: (postman.variable ?? []).map((v) => v.key) },
  }),
);
