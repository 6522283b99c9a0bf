// Headless Chromium plays a blob from the node in a <video> element and seeks: the media stack
// fetches with HTTP Range requests, which must come back 206 with the right bytes.
// usage: node blob-video-test.mjs http://127.0.0.1:PORT/blobs/ID [chromiumPath]
import { chromium } from "playwright-core";
import { ok, run } from "./lib.mjs";

const src = process.argv[2];
const executablePath = process.argv[3] || "/usr/bin/chromium";

run(async () => {
  const browser = await chromium.launch({ executablePath, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"] });
  try {
    const page = await browser.newPage();
    const ranges = [];
    page.on("response", async r => {
      if (!r.url().startsWith(src)) return;
      const req = r.request();
      const headers = await req.allHeaders();
      ranges.push({ status: r.status(), range: headers["range"] || null, contentRange: (await r.allHeaders())["content-range"] || null });
    });
    await page.setContent(`<!doctype html><video id="v" preload="auto" muted src="${src}"></video>`);
    const meta = await page.evaluate(() => new Promise((resolve, reject) => {
      const v = document.getElementById("v");
      const t = setTimeout(() => reject(new Error("no metadata; error " + (v.error && v.error.message))), 20000);
      const done = () => { clearTimeout(t); resolve({ duration: v.duration }); };
      if (v.readyState >= 1) done(); else v.addEventListener("loadedmetadata", done, { once: true });
      v.addEventListener("error", () => reject(new Error("media error " + (v.error && v.error.code + " " + v.error.message))));
    }));
    ok("metadata", meta);
    for (const fraction of [0.85, 0.3, 0.6]) {
      const at = meta.duration * fraction;
      const seeked = await page.evaluate(at => new Promise((resolve, reject) => {
        const v = document.getElementById("v");
        const t = setTimeout(() => reject(new Error("seek to " + at + " did not finish")), 20000);
        v.addEventListener("seeked", () => {
          const check = () => {
            if (v.readyState >= 2) { clearTimeout(t); resolve({ currentTime: v.currentTime, readyState: v.readyState }); }
            else setTimeout(check, 50);
          };
          check();
        }, { once: true });
        v.currentTime = at;
      }), at);
      if (Math.abs(seeked.currentTime - at) > 1) throw new Error("seeked to " + seeked.currentTime + " instead of " + at);
      ok("seeked", { fraction, ...seeked });
    }
    ok("requests", { ranges });
  } finally {
    await browser.close();
  }
});
