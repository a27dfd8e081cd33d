import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ToolError, type ToolErrorCode } from "../../src/errors";
import { decodeBase64Image, sniffImageType } from "../../src/inputs/image-bytes";
import { checkImageUrl, fetchImageFromUrl, parseIPv6, type FetchImageOptions } from "../../src/inputs/guarded-fetch";
import { classifyImageInput, imageInputSchema } from "../../src/inputs/image-input";

// ---------------------------------------------------------------------------------------
// Minimal headers for each format: just enough leading bytes for the sniffer.

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
const bytes = (...parts: Array<number[] | string>) =>
  new Uint8Array(parts.flatMap((part) => (typeof part === "string" ? ascii(part) : part)));
const u32be = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const u32le = (n: number) => u32be(n).reverse();

const PNG = bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], u32be(13), "IHDR", u32be(1), u32be(1), [8, 6, 0, 0, 0]);
const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], "JFIF", [0]);
const WEBP = bytes("RIFF", u32le(30), "WEBP", "VP8 ", u32le(18));
const GIF87 = bytes("GIF87a", [1, 0, 1, 0, 0, 0, 0]);
const GIF89 = bytes("GIF89a", [1, 0, 1, 0, 0, 0, 0]);
const AVIF = bytes(u32be(28), "ftyp", "avif", u32be(0), "mif1", "miaf", "MA1B");
const AVIF_BY_COMPATIBLE_BRAND = bytes(u32be(24), "ftyp", "mif1", u32be(0), "mif1", "avif");
const HEIC = bytes(u32be(24), "ftyp", "heic", u32be(0), "mif1", "heic");
const BMP = bytes("BM", u32le(70), u32le(0), u32le(54), u32le(40), u32le(1), u32le(1));

const toBase64 = (data: Uint8Array) => btoa(String.fromCharCode(...data));

async function refusal(run: () => unknown): Promise<ToolError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ToolError) return error;
    throw new Error(`expected a ToolError, got ${String(error)}`);
  }
  throw new Error("expected a ToolError, nothing was thrown");
}

async function expectRefused(run: () => unknown, code: ToolErrorCode, message: RegExp): Promise<ToolError> {
  const error = await refusal(run);
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
  return error;
}

// ---------------------------------------------------------------------------------------

describe("sniffImageType", () => {
  it.each([
    ["PNG", PNG, "image/png", "png"],
    ["JPEG", JPEG, "image/jpeg", "jpg"],
    ["WebP", WEBP, "image/webp", "webp"],
    ["GIF87a", GIF87, "image/gif", "gif"],
    ["GIF89a", GIF89, "image/gif", "gif"],
    ["AVIF by major brand", AVIF, "image/avif", "avif"],
    ["AVIF by compatible brand", AVIF_BY_COMPATIBLE_BRAND, "image/avif", "avif"],
    ["HEIC", HEIC, "image/heic", "heic"],
    ["BMP", BMP, "image/bmp", "bmp"],
  ])("recognises %s", (_name, data, mime, ext) => {
    expect(sniffImageType(data)).toEqual({ mime, ext });
  });

  it.each([
    ["empty", new Uint8Array(0)],
    ["a truncated PNG signature", PNG.subarray(0, 7)],
    ["a RIFF that is not WebP (WAVE)", bytes("RIFF", u32le(30), "WAVE", "fmt ")],
    ["RIFF without a form type", bytes("RIFF")],
    ["GIF88a", bytes("GIF88a", [1, 0, 1, 0])],
    ["an MP4 (ftyp isom)", bytes(u32be(24), "ftyp", "isom", u32be(0), "isom", "mp41")],
    ["an ftyp box with a broken size", bytes(u32be(7), "ftyp", "avif", u32be(0), "avif")],
    ["text that starts with BM", bytes("BM is a text file, not a bitmap")],
    ["SVG", bytes('<svg xmlns="http://www.w3.org/2000/svg"/>')],
    ["HTML", bytes("<!doctype html><html>")],
    ["JSON", bytes('{"image":"no"}')],
    ["two bytes of JPEG", bytes([0xff, 0xd8])],
  ])("rejects %s", (_name, data) => {
    expect(sniffImageType(data)).toBeUndefined();
  });

  it("reads a view into a larger buffer from its own offset", () => {
    const buffer = new Uint8Array(64);
    buffer.set(AVIF, 10);
    expect(sniffImageType(buffer.subarray(10, 10 + AVIF.length))?.mime).toBe("image/avif");
  });
});

// ---------------------------------------------------------------------------------------

describe("decodeBase64Image", () => {
  const MAX = 1_000_000;

  it("decodes raw base64", () => {
    expect(decodeBase64Image(toBase64(PNG), MAX)).toEqual(PNG);
  });

  it("ignores whitespace and line breaks around and inside", () => {
    const wrapped = `\n  ${toBase64(PNG).replace(/(.{8})/g, "$1\r\n ")}\n\t`;
    expect(decodeBase64Image(wrapped, MAX)).toEqual(PNG);
  });

  it("accepts the URL-safe alphabet and missing padding", () => {
    const standard = toBase64(JPEG);
    expect(standard.startsWith("/9j/")).toBe(true);
    const urlSafe = standard.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    expect(urlSafe).not.toBe(standard);
    expect(decodeBase64Image(urlSafe, MAX)).toEqual(JPEG);
  });

  it.each([
    ["PNG", "image/png", PNG],
    ["WebP", "image/webp", WEBP],
    ["GIF", "image/gif", GIF89],
    ["AVIF", "image/avif", AVIF],
  ])("decodes a %s data URL", (_name, mime, data) => {
    expect(decodeBase64Image(`data:${mime};base64,${toBase64(data)}`, MAX)).toEqual(data);
  });

  it("accepts data URL parameters, any case, and the image/jpg alias", () => {
    expect(decodeBase64Image(`DATA:Image/JPG;name=cat.jpg;BASE64,${toBase64(JPEG)}`, MAX)).toEqual(JPEG);
  });

  it("refuses a data URL whose declared type disagrees with the bytes", async () => {
    await expectRefused(
      () => decodeBase64Image(`data:image/png;base64,${toBase64(JPEG)}`, MAX),
      "invalid_input",
      /declares image\/png but the bytes are image\/jpeg/,
    );
  });

  it.each([
    ["empty text", "", /empty/],
    ["only whitespace", " \n\t ", /empty/],
    ["a data URL without data", "data:image/png;base64,", /no data after/],
    ["a data URL without a comma", "data:image/png;base64", /no comma/],
    ["a percent-encoded data URL", "data:image/png,%89PNG", /not base64-encoded/],
    ["a data URL of text", `data:text/plain;base64,${btoa("hello")}`, /not an image type/],
    ["characters outside base64", "iVBORw0KGgo!!", /not valid base64/],
    ["padding in the middle", "iVBO=Rw0K", /not valid base64/],
    ["a length no base64 can have", "iVBORw0KG", /not valid base64/],
    ["base64 of text", btoa("hello, world: not an image"), /not a PNG, JPEG, WebP, GIF, AVIF, HEIC or BMP image/],
    ["base64 of an SVG", `data:image/svg+xml;base64,${btoa("<svg xmlns='http://www.w3.org/2000/svg'/>")}`, /not a PNG, JPEG/],
  ])("refuses %s", async (_name, text, message) => {
    await expectRefused(() => decodeBase64Image(text, MAX), "invalid_input", message);
  });

  it("refuses an oversized image by the text's length, before decoding it", async () => {
    // 4 MB of "A" decodes to zeros, which would fail as "not an image" if it were decoded first.
    const huge = "A".repeat(4_000_000);
    const error = await expectRefused(() => decodeBase64Image(huge, 1_000_000), "invalid_input", /3 MB, over the 1 MB limit/);
    expect(error.message).toMatch(/https URL or an asset id/);
  });

  it("accepts an image exactly at the limit and refuses one byte over", async () => {
    expect(decodeBase64Image(toBase64(PNG), PNG.length)).toEqual(PNG);
    await expectRefused(() => decodeBase64Image(toBase64(PNG), PNG.length - 1), "invalid_input", /over the/);
  });
});

// ---------------------------------------------------------------------------------------

describe("checkImageUrl", () => {
  it.each([
    ["https://example.com/cat.png", "https://example.com/cat.png"],
    ["https://EXAMPLE.com:443/cat.png", "https://example.com/cat.png"],
    ["https://example.com./cat.png", "https://example.com./cat.png"],
    ["https://8.8.8.8/cat.png", "https://8.8.8.8/cat.png"],
    ["https://172.32.0.1/x", "https://172.32.0.1/x"],
    ["https://100.128.0.1/x", "https://100.128.0.1/x"],
    ["https://[2606:4700:4700::1111]/x", "https://[2606:4700:4700::1111]/x"],
    ["https://[::ffff:8.8.8.8]/x", "https://[::ffff:808:808]/x"],
    ["https://cdn.example.co.uk/a/b.webp?sig=abc", "https://cdn.example.co.uk/a/b.webp?sig=abc"],
  ])("allows %s", (raw, normalised) => {
    expect(checkImageUrl(raw).href).toBe(normalised);
  });

  it.each([
    ["http", "http://example.com/cat.png", /only https URLs are fetched, not http/],
    ["ftp", "ftp://example.com/cat.png", /only https/],
    ["file", "file:///etc/passwd", /only https/],
    ["data", "data:image/png;base64,iVBORw0KGgo=", /only https/],
    ["javascript", "javascript:alert(1)", /only https/],
    ["a relative URL", "/cat.png", /not a valid absolute URL/],
    ["a user and password", "https://user:secret@example.com/cat.png", /user name or password/],
    ["a user name", "https://user@example.com/cat.png", /user name or password/],
    ["port 8443", "https://example.com:8443/cat.png", /port 443 is allowed, not 8443/],
    ["port 80", "https://example.com:80/cat.png", /not 80/],
  ])("refuses %s", async (_name, raw, message) => {
    const error = await expectRefused(() => checkImageUrl(raw), "invalid_input", message);
    expect(error.message).toMatch(/upload the image as base64 \(or a data URL\) or pass an asset id/);
  });

  it.each([
    ["loopback", "https://127.0.0.1/", /127\.0\.0\.1 is a loopback address/],
    ["loopback elsewhere in 127/8", "https://127.200.3.4/", /loopback/],
    ["private 10/8", "https://10.1.2.3/", /a private address/],
    ["private 172.16/12", "https://172.16.0.1/", /a private address/],
    ["private 172.16/12, top", "https://172.31.255.255/", /a private address/],
    ["private 192.168/16", "https://192.168.1.1/", /a private address/],
    ["link-local (cloud metadata)", "https://169.254.169.254/latest/meta-data/", /link-local/],
    ["CGNAT", "https://100.64.0.1/", /carrier-grade NAT/],
    ["CGNAT, top", "https://100.127.255.254/", /carrier-grade NAT/],
    ["unspecified", "https://0.0.0.0/", /unspecified/],
    ["multicast", "https://224.0.0.1/", /multicast/],
    ["reserved", "https://240.0.0.1/", /reserved/],
    ["broadcast", "https://255.255.255.255/", /reserved \(or broadcast\)/],
    ["documentation", "https://192.0.2.1/", /documentation/],
    ["benchmarking", "https://198.18.0.1/", /benchmarking/],
  ])("refuses an IPv4 %s address", async (_name, raw, message) => {
    await expectRefused(() => checkImageUrl(raw), "invalid_input", message);
  });

  it.each([
    ["a decimal integer", "https://2130706433/"],
    ["hex and a short form", "https://0x7f.1/"],
    ["an octal integer", "https://017700000001/"],
    ["octal octets", "https://0177.0.0.01/"],
    ["a hex integer", "https://0x7F000001/"],
    ["two parts", "https://127.1/"],
    ["a trailing dot", "https://127.0.0.1./"],
    ["percent-encoding", "https://%31%32%37.0.0.1/"],
    ["full-width digits", "https://１２７.０.０.１/"],
  ])("refuses loopback written as %s (the URL parser normalises it)", async (_name, raw) => {
    await expectRefused(() => checkImageUrl(raw), "invalid_input", /127\.0\.0\.1 is a loopback address/);
  });

  it("refuses 0 (all zeros) as the unspecified address", async () => {
    await expectRefused(() => checkImageUrl("https://0/"), "invalid_input", /0\.0\.0\.0 is an unspecified/);
  });

  it.each([
    ["loopback", "https://[::1]/", /the loopback address/],
    ["loopback, long form", "https://[0:0:0:0:0:0:0:1]/", /the loopback address/],
    ["unspecified", "https://[::]/", /the unspecified address/],
    ["unique-local fd00::/8", "https://[fd12:3456::1]/", /unique-local/],
    ["unique-local fc00::/8", "https://[fc00::1]/", /unique-local/],
    ["link-local", "https://[fe80::1]/", /link-local/],
    ["site-local", "https://[fec0::1]/", /site-local/],
    ["multicast", "https://[ff02::1]/", /multicast/],
    ["documentation", "https://[2001:db8::1]/", /reserved/],
    ["Teredo", "https://[2001:0:4136:e378::1]/", /reserved/],
    ["outside global unicast", "https://[4000::1]/", /outside the global unicast range/],
    ["IPv4-mapped loopback", "https://[::ffff:127.0.0.1]/", /IPv4-mapped IPv6 address of 127\.0\.0\.1, a loopback/],
    ["IPv4-mapped loopback in hex", "https://[::ffff:7f00:1]/", /IPv4-mapped IPv6 address of 127\.0\.0\.1/],
    ["IPv4-mapped private", "https://[::ffff:192.168.0.1]/", /IPv4-mapped IPv6 address of 192\.168\.0\.1, a private/],
    ["IPv4-mapped metadata", "https://[0:0:0:0:0:ffff:a9fe:a9fe]/", /169\.254\.169\.254, a link-local/],
    ["IPv4-compatible loopback", "https://[::127.0.0.1]/", /IPv4-compatible IPv6 address of 127\.0\.0\.1/],
    ["IPv4-translated private", "https://[::ffff:0:10.0.0.1]/", /IPv4-translated IPv6 address of 10\.0\.0\.1/],
    ["NAT64 of a private address", "https://[64:ff9b::10.0.0.1]/", /NAT64 IPv6 address of 10\.0\.0\.1/],
    ["6to4 of a private address", "https://[2002:c0a8:101::1]/", /6to4 IPv6 address of 192\.168\.1\.1/],
    ["local-use NAT64", "https://[64:ff9b:1::1]/", /local-use NAT64/],
  ])("refuses an IPv6 %s address", async (_name, raw, message) => {
    await expectRefused(() => checkImageUrl(raw), "invalid_input", message);
  });

  it.each([
    ["localhost", "https://localhost/"],
    ["localhost with a trailing dot, upper case", "https://LOCALHOST./"],
    ["a subdomain of localhost", "https://images.localhost/"],
    ["an mDNS name", "https://printer.local/"],
    ["an .internal name", "https://metadata.google.internal/computeMetadata/v1/"],
    ["a home.arpa name", "https://router.home.arpa/"],
    ["a single-label name", "https://fileserver/"],
    ["an .intranet name", "https://intranet/"],
    ["a single-label name with a trailing dot", "https://nas./"],
    ["a .localdomain name", "https://localhost.localdomain/"],
  ])("refuses %s", async (_name, raw) => {
    await expectRefused(() => checkImageUrl(raw), "invalid_input", /(local or internal host name|single-label host name)/);
  });
});

describe("parseIPv6", () => {
  it("expands compression and dotted tails", () => {
    expect(parseIPv6("::")).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6("2001:db8::1")).toEqual([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
  });

  it.each(["1::2::3", "12345::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "::g", "1:2:3:4:5:6:7::8"])("rejects %s", (text) => {
    expect(parseIPv6(text)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------
// fetchImageFromUrl with an injected fetch: no network.

type Route = (init: RequestInit | undefined) => Response | Promise<Response>;

interface FakeFetch {
  fetch: typeof fetch;
  requested: string[];
  inits: Array<RequestInit | undefined>;
}

function fakeFetch(routes: Record<string, Route>): FakeFetch {
  const requested: string[] = [];
  const inits: Array<RequestInit | undefined> = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    requested.push(url);
    inits.push(init);
    const route = routes[url];
    if (!route) throw new Error(`unexpected fetch of ${url}`);
    return route(init);
  };
  return { fetch: fetchImpl, requested, inits };
}

const image =
  (data: Uint8Array, contentType = "image/png", extra: Record<string, string> = {}): Route =>
  () =>
    new Response(data, { status: 200, headers: { "content-type": contentType, ...extra } });

const redirect =
  (location: string, status = 302): Route =>
  () =>
    new Response(null, { status, headers: { location } });

/** Waits for the request's signal, as a real fetch does; never answers otherwise. */
const hang: Route = (init) =>
  new Promise<Response>((_resolve, reject) => {
    init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
  });

function options(fake: FakeFetch, overrides: Partial<FetchImageOptions> = {}): FetchImageOptions {
  return { maxBytes: 1_000_000, timeoutMs: 5_000, fetch: fake.fetch, ...overrides };
}

/** A body without Content-Length that produces `chunkSize` bytes per pull, forever; records pulls and cancellation. */
function endlessBody(first: Uint8Array, chunkSize: number) {
  const state = { pulls: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(state.pulls === 0 ? first : new Uint8Array(chunkSize));
      state.pulls++;
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

describe("fetchImageFromUrl", () => {
  const URL_A = "https://images.example.com/cat.png";

  it("returns the bytes, the sniffed type and the final URL", async () => {
    const fake = fakeFetch({ [URL_A]: image(PNG) });
    const result = await fetchImageFromUrl(URL_A, options(fake));
    expect(result).toEqual({ bytes: PNG, mime: "image/png", finalUrl: URL_A });
    expect(fake.inits[0]?.redirect).toBe("manual");
    expect(fake.inits[0]?.signal).toBeInstanceOf(AbortSignal);
  });

  it("reports the type from the magic bytes, not the Content-Type", async () => {
    const fake = fakeFetch({ [URL_A]: image(WEBP, "image/png; charset=binary") });
    expect((await fetchImageFromUrl(URL_A, options(fake))).mime).toBe("image/webp");
  });

  it.each(["application/octet-stream", "binary/octet-stream", "IMAGE/JPEG"])("accepts Content-Type %s", async (contentType) => {
    const fake = fakeFetch({ [URL_A]: image(JPEG, contentType) });
    expect((await fetchImageFromUrl(URL_A, options(fake))).mime).toBe("image/jpeg");
  });

  it("follows redirects, checking and fetching every hop by hand", async () => {
    const fake = fakeFetch({
      [URL_A]: redirect("/moved/cat.png", 301),
      "https://images.example.com/moved/cat.png": redirect("https://cdn.example.net/cat.gif", 307),
      "https://cdn.example.net/cat.gif": image(GIF89, "image/gif"),
    });
    const result = await fetchImageFromUrl(URL_A, options(fake));
    expect(result.finalUrl).toBe("https://cdn.example.net/cat.gif");
    expect(result.mime).toBe("image/gif");
    expect(fake.requested).toEqual([URL_A, "https://images.example.com/moved/cat.png", "https://cdn.example.net/cat.gif"]);
    expect(fake.inits.every((init) => init?.redirect === "manual")).toBe(true);
  });

  it("accepts a body streamed in chunks without Content-Length", async () => {
    const chunks = [PNG.subarray(0, 5), PNG.subarray(5)];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const fake = fakeFetch({ [URL_A]: () => new Response(body, { headers: { "content-type": "image/png" } }) });
    expect((await fetchImageFromUrl(URL_A, options(fake))).bytes).toEqual(PNG);
  });

  it("refuses a bad URL before fetching anything", async () => {
    const fake = fakeFetch({});
    await expectRefused(() => fetchImageFromUrl("http://images.example.com/cat.png", options(fake)), "invalid_input", /only https/);
    await expectRefused(() => fetchImageFromUrl("https://2130706433/cat.png", options(fake)), "invalid_input", /loopback/);
    await expectRefused(() => fetchImageFromUrl("https://u:p@images.example.com/", options(fake)), "invalid_input", /password/);
    expect(fake.requested).toEqual([]);
  });

  it.each([
    ["a loopback address", "https://127.0.0.1/cat.png", /loopback/],
    ["the cloud metadata address", "http://169.254.169.254/latest/meta-data/", /only https/],
    ["an IPv6 unique-local address", "https://[fd00::1]/cat.png", /unique-local/],
    ["an IPv4-mapped private address", "https://[::ffff:10.0.0.1]/cat.png", /IPv4-mapped/],
    ["localhost", "https://localhost/cat.png", /local or internal/],
    ["a non-default port", "https://images.example.com:8080/cat.png", /port/],
  ])("refuses a redirect to %s without fetching it", async (_name, location, message) => {
    const fake = fakeFetch({ [URL_A]: redirect(location) });
    const error = await expectRefused(() => fetchImageFromUrl(URL_A, options(fake)), "invalid_input", message);
    expect(error.message).toMatch(/redirected to/);
    expect(fake.requested).toEqual([URL_A]);
  });

  it("refuses more redirects than allowed", async () => {
    const hop = (n: number) => `https://images.example.com/hop/${n}`;
    const routes: Record<string, Route> = {};
    for (let n = 0; n < 10; n++) routes[hop(n)] = redirect(hop(n + 1));
    const fake = fakeFetch(routes);
    await expectRefused(() => fetchImageFromUrl(hop(0), options(fake)), "invalid_input", /redirected more than 3 times/);
    expect(fake.requested).toHaveLength(4);
    const strict = fakeFetch(routes);
    await expectRefused(() => fetchImageFromUrl(hop(0), options(strict, { maxRedirects: 0 })), "invalid_input", /more than 0 times/);
    expect(strict.requested).toHaveLength(1);
  });

  it("refuses a body over the cap by its Content-Length, without reading it", async () => {
    const { stream, state } = endlessBody(PNG, 1024);
    const fake = fakeFetch({
      [URL_A]: () => new Response(stream, { headers: { "content-type": "image/png", "content-length": "5000000" } }),
    });
    await expectRefused(
      () => fetchImageFromUrl(URL_A, options(fake, { maxBytes: 1_000_000 })),
      "invalid_input",
      /is 5 MB \(by its Content-Length\), and fetched images are limited to 1 MB/,
    );
    expect(state.pulls).toBeLessThanOrEqual(2);
  });

  it("refuses a streamed body over the cap without Content-Length, and stops reading", async () => {
    const { stream, state } = endlessBody(PNG, 1024);
    const fake = fakeFetch({ [URL_A]: () => new Response(stream, { headers: { "content-type": "image/png" } }) });
    await expectRefused(
      () => fetchImageFromUrl(URL_A, options(fake, { maxBytes: 10_000 })),
      "invalid_input",
      /is over 10 kB \(the download was stopped there\)/,
    );
    // Stopped soon after the cap, not left running: a few chunks of read-ahead at most.
    expect(state.pulls).toBeLessThan(20);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(state.cancelled).toBe(true);
  });

  it("refuses a server that lies with a small Content-Length and sends more", async () => {
    const { stream } = endlessBody(PNG, 4096);
    const fake = fakeFetch({ [URL_A]: () => new Response(stream, { headers: { "content-type": "image/png", "content-length": "100" } }) });
    await expectRefused(() => fetchImageFromUrl(URL_A, options(fake, { maxBytes: 10_000 })), "invalid_input", /over 10 kB/);
  });

  it("stops at the time cap when the server does not answer", async () => {
    const fake = fakeFetch({ [URL_A]: hang });
    const started = Date.now();
    await expectRefused(() => fetchImageFromUrl(URL_A, options(fake, { timeoutMs: 100 })), "timeout", /took longer than 0\.1 s/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("stops at the time cap when the body stalls, even if fetch ignores the signal", async () => {
    let cancelled = false;
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(PNG.subarray(0, 4));
      },
      cancel() {
        cancelled = true;
      },
    });
    const fake = fakeFetch({ [URL_A]: () => new Response(stalled, { headers: { "content-type": "image/png" } }) });
    await expectRefused(() => fetchImageFromUrl(URL_A, options(fake, { timeoutMs: 100 })), "timeout", /took longer than/);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(cancelled).toBe(true);
  });

  it("ends with `cancelled` when the caller aborts", async () => {
    const fake = fakeFetch({ [URL_A]: hang });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("client went away")), 20);
    await expectRefused(() => fetchImageFromUrl(URL_A, options(fake, { signal: controller.signal })), "cancelled", /cancelled/);
  });

  it.each([
    ["text/html", "<!doctype html>", /serves "text\/html", not an image/],
    ["application/json", '{"a":1}', /serves "application\/json"/],
  ])("refuses Content-Type %s", async (contentType, body, message) => {
    const fake = fakeFetch({ [URL_A]: () => new Response(body, { headers: { "content-type": contentType } }) });
    const error = await expectRefused(() => fetchImageFromUrl(URL_A, options(fake)), "invalid_input", message);
    expect(error.message).toMatch(/not a web page/);
  });

  it("refuses a response without a Content-Type", async () => {
    const fake = fakeFetch({ [URL_A]: () => new Response(new Blob([PNG]).stream(), { headers: {} }) });
    await expectRefused(() => fetchImageFromUrl(URL_A, options(fake)), "invalid_input", /serves no Content-Type/);
  });

  it("refuses bytes that are not an image despite an image Content-Type", async () => {
    const fake = fakeFetch({ [URL_A]: () => new Response("<html>not really</html>", { headers: { "content-type": "image/png" } }) });
    await expectRefused(
      () => fetchImageFromUrl(URL_A, options(fake)),
      "invalid_input",
      /are not a PNG, JPEG, WebP, GIF, AVIF, HEIC or BMP image/,
    );
  });

  it("refuses SVG, naming it", async () => {
    const fake = fakeFetch({
      [URL_A]: () => new Response("<svg xmlns='http://www.w3.org/2000/svg'/>", { headers: { "content-type": "image/svg+xml" } }),
    });
    await expectRefused(() => fetchImageFromUrl(URL_A, options(fake)), "invalid_input", /SVG is not accepted \(convert it to PNG\)/);
  });

  it("refuses an empty body", async () => {
    const fake = fakeFetch({ [URL_A]: () => new Response(null, { headers: { "content-type": "image/png" } }) });
    await expectRefused(() => fetchImageFromUrl(URL_A, options(fake)), "invalid_input", /empty body/);
  });

  it.each([
    [404, /answered HTTP 404/],
    [403, /answered HTTP 403/],
    [500, /answered HTTP 500/],
    [304, /answered HTTP 304/],
  ])("refuses HTTP %i", async (status, message) => {
    const fake = fakeFetch({
      [URL_A]: () => new Response(status === 304 ? null : "nope", { status, headers: { "content-type": "image/png" } }),
    });
    await expectRefused(() => fetchImageFromUrl(URL_A, options(fake)), "upstream_error", message);
  });

  it("refuses a redirect status without a Location", async () => {
    const fake = fakeFetch({ [URL_A]: () => new Response(null, { status: 302 }) });
    await expectRefused(() => fetchImageFromUrl(URL_A, options(fake)), "upstream_error", /HTTP 302/);
  });

  it("reports network failures as upstream errors naming their cause (DNS, refused, TLS), never as an internal error", async () => {
    const cases: Array<[string, string]> = [
      // workerd's own words for a failed DNS lookup, and what Node-style runtimes say.
      ["internal error; reference = 45mjjdslnu2hiu9215tsainh", "its name did not resolve (DNS) or its secure connection (TLS) failed"],
      ["getaddrinfo ENOTFOUND images.example.com", "the host name could not be resolved (DNS): check the host's spelling"],
      ["Network connection lost.", "the connection was refused or dropped before the image arrived"],
      ["connect ECONNREFUSED 93.184.216.34:443", "the connection was refused: nothing answers https at that host"],
      [
        "unable to verify the first certificate",
        "the secure connection failed (TLS): the host's certificate is invalid, expired or for another name",
      ],
    ];
    for (const [thrown, cause] of cases) {
      const fake = fakeFetch({
        [URL_A]: () => {
          throw new TypeError(thrown);
        },
      });
      const error = await fetchImageFromUrl(URL_A, options(fake)).catch((e: unknown) => e);
      expect(error, thrown).toBeInstanceOf(ToolError);
      expect((error as ToolError).code).toBe("upstream_error");
      expect((error as ToolError).message, thrown).toContain(`Fetching the image at "${URL_A}" failed: `);
      expect((error as ToolError).message, thrown).toContain(cause);
      expect((error as ToolError).message).not.toContain("reference =");
    }
  });

  it("names the cause Cloudflare's edge reports when it cannot reach the host (DNS 530, refused 521, TLS 525/526)", async () => {
    const cases: Array<[number, string]> = [
      [530, "the host name could not be resolved (DNS, Cloudflare 530)"],
      [521, "the host refused the connection (Cloudflare 521)"],
      [525, "the secure connection failed: TLS handshake error (Cloudflare 525)"],
      [526, "the host's TLS certificate is invalid (Cloudflare 526)"],
    ];
    for (const [status, cause] of cases) {
      const fake = fakeFetch({ [URL_A]: () => new Response("error code: 1016", { status }) });
      const error = (await fetchImageFromUrl(URL_A, options(fake)).catch((e: unknown) => e)) as ToolError;
      expect(error.message, String(status)).toContain(`Fetching the image at "${URL_A}" failed: ${cause}.`);
    }
  });
});

// ---------------------------------------------------------------------------------------

describe("imageInputSchema and classifyImageInput", () => {
  const SHA = "a".repeat(38) + "0123456789abcdef0123456789";

  it("is a plain string in the JSON Schema, with a description", () => {
    const schema = z.toJSONSchema(imageInputSchema);
    expect(schema.type).toBe("string");
    expect(schema.description).toMatch(/asset id.*https URL.*base64/s);
    expect(imageInputSchema.safeParse("").success).toBe(false);
    expect(imageInputSchema.safeParse({ url: "https://example.com" }).success).toBe(false);
  });

  it.each([
    ["an asset id", SHA, { kind: "asset", sha256: SHA }],
    ["an asset id in upper case, padded", ` ${SHA.toUpperCase()} `, { kind: "asset", sha256: SHA }],
    ["an asset URI", `asset://images/${SHA}`, { kind: "asset", sha256: SHA }],
    ["an https URL", "https://example.com/cat.png", { kind: "url", url: "https://example.com/cat.png" }],
    ["an https URL with the default port", "https://Example.com:443/a b.png", { kind: "url", url: "https://example.com/a%20b.png" }],
    ["a data URL", `data:image/png;base64,${toBase64(PNG)}`, { kind: "inline", text: `data:image/png;base64,${toBase64(PNG)}` }],
    ["raw base64", toBase64(PNG), { kind: "inline", text: toBase64(PNG) }],
    ["JPEG base64, which starts with a slash", toBase64(JPEG), { kind: "inline", text: toBase64(JPEG) }],
  ])("classifies %s", (_name, value, expected) => {
    expect(classifyImageInput(value)).toEqual(expected);
  });

  it.each([
    ["empty", "  ", /empty/],
    ["http", "http://example.com/cat.png", /only https URLs are fetched, not http/],
    ["ftp", "ftp://example.com/cat.png", /only https/],
    ["a private host", "https://192.168.0.10/cat.png", /private/],
    ["localhost", "https://localhost:8443/cat.png", /port|local/],
    ["a file URL", "file:///Users/me/cat.png", /local file path/],
    ["a POSIX path", "/Users/me/Pictures/cat.png", /local file path/],
    ["a relative path", "./cat.png", /local file path/],
    ["a home path", "~/cat.png", /local file path/],
    ["a Windows path", "C:\\Users\\me\\cat.png", /local file path/],
    ["a bare file name", "cat.png", /local file path/],
    ["a URL without scheme", "example.com/images/cat.png", /pass it as https:\/\/example\.com\/images\/cat\.png/],
    ["a short asset id", SHA.slice(0, 63), /63 hex characters instead of 64/],
    ["an asset URI without an id", "asset://images/cat", /does not end in a 64-character hex asset id/],
    ["prose", "the picture of my cat, please!", /is not an asset id \(64 hex characters\), an https URL, or the image's bytes/],
  ])("refuses %s", async (_name, value, message) => {
    await expectRefused(() => classifyImageInput(value), "invalid_input", message);
  });
});
