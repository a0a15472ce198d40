// check.mjs loads a Swagger UI page in headless Chromium (playwright-core driving the system's
// chromium: no browser download), waits until the operations are rendered, saves a full-page
// screenshot and prints the operations it shows as JSON: [{"method":"GET","path":"/products"}, …].
// dev/docs/docs_test.go runs it: node check.mjs <chromium> <url> <screenshot.png>
import { chromium } from "playwright-core";

const [executablePath, url, screenshot] = process.argv.slice(2);
if (!executablePath || !url || !screenshot) {
  console.error("usage: node check.mjs <chromium> <url> <screenshot.png>");
  process.exit(2);
}
const browser = await chromium.launch({ executablePath, headless: true });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: "load" });
  // Swagger UI renders one .opblock per operation once it has fetched and parsed the document.
  await page.waitForSelector(".opblock .opblock-summary-method", { timeout: 60000 });
  const ops = await page.$$eval(".opblock", (blocks) =>
    blocks.map((b) => ({
      method: b.querySelector(".opblock-summary-method")?.textContent?.trim() ?? "",
      path: b.querySelector(".opblock-summary-path")?.getAttribute("data-path") ?? "",
    })),
  );
  const title = await page.textContent(".info .title");
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ title: title?.trim() ?? "", operations: ops, errors }));
} finally {
  await browser.close();
}
