/**
 * Fetching a client-supplied image URL without letting the client use the server as a
 * proxy into networks it cannot reach itself (SSRF).
 *
 * What is checked here: the URL's scheme, credentials, port and host as written (after
 * the WHATWG URL parser has normalised it, which turns odd IPv4 spellings such as
 * `2130706433`, `0x7f.1` or `017700000001` into `127.0.0.1`), again at every redirect.
 * What cannot be checked here: where a hostname resolves, since Workers have no DNS API.
 * That gap is covered by the platform: in production, a Worker's `fetch` cannot reach
 * private, loopback or link-local addresses at all, whatever a hostname resolves to.
 * (Locally, under `wrangler dev`, it can; the literal checks below still apply.)
 */
import { ToolError } from "../errors";
import { formatBytes, InputTooLarge, sniffImageType, SNIFFABLE_FORMATS } from "./image-bytes";
import { concatBytes } from "../streams";

export interface FetchImageOptions {
  /** Largest body accepted, checked against Content-Length and while streaming. */
  maxBytes: number;
  /** Time cap for the whole fetch: every redirect hop and the body. */
  timeoutMs: number;
  /** Redirects followed before giving up (default 3); each target is checked like the first URL. */
  maxRedirects?: number;
  /** Injected in tests; defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** The caller's cancellation (a client's abort), combined with the time cap. */
  signal?: AbortSignal;
}

export interface FetchedImage {
  bytes: Uint8Array;
  /** From the magic bytes, not the server's Content-Type. */
  mime: string;
  /** Where the bytes came from after redirects. */
  finalUrl: string;
}

const DEFAULT_MAX_REDIRECTS = 3;
const ALTERNATIVES = "upload the image as base64 (or a data URL) or pass an asset id instead";
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Generic binary types some hosts (S3's default among them) use for images; the magic bytes decide. */
const OCTET_STREAM_TYPES = new Set(["application/octet-stream", "binary/octet-stream"]);
const REQUEST_HEADERS = { accept: "image/*", "user-agent": "mcp-multimodal-worker (image input fetcher)" };

/**
 * Fetches an image from a client-supplied https URL with SSRF guards, a time cap, a size
 * cap enforced while streaming, and content-type and magic-byte checks. Every refusal is
 * a `ToolError` whose message says what was refused, why, and what to do instead.
 */
export async function fetchImageFromUrl(url: string, options: FetchImageOptions): Promise<FetchedImage> {
  const start = checkImageUrl(url);
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  try {
    const { response, finalUrl } = await followRedirects(start, fetchImpl, signal, options.maxRedirects ?? DEFAULT_MAX_REDIRECTS);
    const bytes = await readImageResponse(response, finalUrl, options.maxBytes, signal);
    const type = sniffImageType(bytes);
    if (!type) throw notAnImage(finalUrl, bytes.length, mediaTypeOf(response));
    return { bytes, mime: type.mime, finalUrl: finalUrl.href };
  } catch (error) {
    throw explainFailure(error, start, options, deadline);
  }
}

/**
 * Parses and checks a URL a client wants the server to fetch; returns the normalised URL
 * or throws a `ToolError` ("invalid_input"). Exported so inputs can be refused before any
 * other work is done.
 */
export function checkImageUrl(raw: string, redirectedFrom?: URL): URL {
  const refused = (why: string) =>
    redirectedFrom
      ? invalid(
          `The image URL ${shown(redirectedFrom)} redirected to ${shown(raw)}, which is refused: ${why}. Use a URL that serves the image directly, or ${ALTERNATIVES}.`,
        )
      : invalid(`The image URL ${shown(raw)} is refused: ${why}. Use a public https URL, or ${ALTERNATIVES}.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused("it is not a valid absolute URL");
  }
  if (url.protocol !== "https:") throw refused(`only https URLs are fetched, not ${url.protocol.replace(/:$/, "")}`);
  if (url.username !== "" || url.password !== "")
    throw refused("URLs with a user name or password are not fetched (credentials would be sent to the host)");
  // The parser drops an explicit :443, so any port left is a non-default one.
  if (url.port !== "") throw refused(`only the default https port 443 is allowed, not ${url.port}`);
  const hostRefusal = refusalForHost(url.hostname);
  if (hostRefusal) throw refused(hostRefusal);
  return url;
}

/** Why a (parser-normalised) hostname must not be fetched, or undefined if it may be. */
export function refusalForHost(hostname: string): string | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[")) {
    const groups = parseIPv6(host.slice(1, -1));
    return groups ? refusalForIPv6(groups, host) : `the host ${host} is not a valid IPv6 address`;
  }
  const ipv4 = parseDottedIPv4(host);
  if (ipv4 !== undefined) {
    const kind = blockedIPv4Kind(ipv4);
    return kind ? `${host} is ${kind} address, not a public one` : undefined;
  }
  return refusalForHostName(host);
}

// ---------------------------------------------------------------------------------------
// Host names

/** Names that only mean something inside a network (RFC 6761, 6762, 8375, ICANN's .internal). */
const LOCAL_NAME_SUFFIXES = [
  "localhost",
  "local",
  "internal",
  "home.arpa",
  "arpa",
  "localdomain",
  "lan",
  "home",
  "corp",
  "intranet",
  "private",
];

function refusalForHostName(host: string): string | undefined {
  if (host === "") return "it has no host";
  const suffix = LOCAL_NAME_SUFFIXES.find((name) => host === name || host.endsWith(`.${name}`));
  if (suffix) return `"${host}" is a local or internal host name (${suffix === host ? suffix : `.${suffix}`})`;
  if (!host.includes(".")) return `"${host}" is a single-label host name, which only resolves inside a local network`;
  return undefined;
}

// ---------------------------------------------------------------------------------------
// IPv4

interface Ipv4Block {
  base: number;
  prefixLength: number;
  /** Completes "x is … address". */
  kind: string;
}

/** Every IPv4 block that is not globally reachable (IANA special-purpose registry), plus multicast. */
const IPV4_BLOCKS: readonly Ipv4Block[] = [
  ipv4Block("0.0.0.0", 8, 'an unspecified ("this network")'),
  ipv4Block("10.0.0.0", 8, "a private"),
  ipv4Block("100.64.0.0", 10, "a carrier-grade NAT (CGNAT, shared)"),
  ipv4Block("127.0.0.0", 8, "a loopback"),
  ipv4Block("169.254.0.0", 16, "a link-local (cloud metadata)"),
  ipv4Block("172.16.0.0", 12, "a private"),
  ipv4Block("192.0.0.0", 24, "an IETF protocol (reserved)"),
  ipv4Block("192.0.2.0", 24, "a documentation (reserved)"),
  ipv4Block("192.88.99.0", 24, "a 6to4 relay (reserved)"),
  ipv4Block("192.168.0.0", 16, "a private"),
  ipv4Block("198.18.0.0", 15, "a benchmarking (reserved)"),
  ipv4Block("198.51.100.0", 24, "a documentation (reserved)"),
  ipv4Block("203.0.113.0", 24, "a documentation (reserved)"),
  ipv4Block("224.0.0.0", 4, "a multicast"),
  ipv4Block("240.0.0.0", 4, "a reserved (or broadcast)"),
];

function ipv4Block(dotted: string, prefixLength: number, kind: string): Ipv4Block {
  const base = parseDottedIPv4(dotted);
  if (base === undefined) throw new Error(`bad IPv4 block ${dotted}`);
  return { base, prefixLength, kind };
}

/** The address kind ("a loopback") if it is in a blocked range. */
function blockedIPv4Kind(address: number): string | undefined {
  return IPV4_BLOCKS.find((block) => inIPv4Block(address, block))?.kind;
}

function inIPv4Block(address: number, { base, prefixLength }: Ipv4Block): boolean {
  const mask = prefixLength === 0 ? 0 : (~0 << (32 - prefixLength)) >>> 0;
  return (address & mask) >>> 0 === (base & mask) >>> 0;
}

/** Strict a.b.c.d only: the URL parser has already turned every other IPv4 spelling into this one. */
function parseDottedIPv4(text: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1).map(Number);
  if (octets.some((octet) => octet > 255)) return undefined;
  return octets.reduce((address, octet) => address * 256 + octet, 0);
}

function formatIPv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => (address >>> shift) & 0xff).join(".");
}

// ---------------------------------------------------------------------------------------
// IPv6

interface Ipv6Block {
  groups: readonly number[];
  prefixLength: number;
  kind: string;
}

/** Judged before the IPv4-embedding forms, whose IPv4-compatible block contains them. */
const IPV6_UNSPECIFIED_AND_LOOPBACK: readonly Ipv6Block[] = [
  ipv6Block("::", 128, "the unspecified"),
  ipv6Block("::1", 128, "the loopback"),
];

/** Judged after the IPv4-embedding forms. */
const IPV6_BLOCKS: readonly Ipv6Block[] = [
  ipv6Block("100::", 64, "a discard-only (reserved)"),
  ipv6Block("64:ff9b:1::", 48, "a local-use NAT64 (private)"),
  // Teredo, benchmarking, ORCHID and other protocol assignments.
  ipv6Block("2001::", 23, "an IETF protocol (reserved)"),
  ipv6Block("2001:db8::", 32, "a documentation (reserved)"),
  ipv6Block("3fff::", 20, "a documentation (reserved)"),
  ipv6Block("fc00::", 7, "a unique-local (private)"),
  ipv6Block("fe80::", 10, "a link-local"),
  ipv6Block("fec0::", 10, "a site-local (deprecated private)"),
  ipv6Block("ff00::", 8, "a multicast"),
];
const GLOBAL_UNICAST = ipv6Block("2000::", 3, "");

/** Forms that carry an IPv4 address; the embedded address is judged by the IPv4 rules. */
const IPV4_EMBEDDINGS: ReadonlyArray<{ block: Ipv6Block; name: string; extract: (groups: readonly number[]) => number }> = [
  { block: ipv6Block("::ffff:0:0", 96, ""), name: "an IPv4-mapped", extract: lastTwoGroups },
  { block: ipv6Block("::ffff:0:0:0", 96, ""), name: "an IPv4-translated", extract: lastTwoGroups },
  { block: ipv6Block("64:ff9b::", 96, ""), name: "a NAT64", extract: lastTwoGroups },
  { block: ipv6Block("2002::", 16, ""), name: "a 6to4", extract: (groups) => joinGroups(groups[1], groups[2]) },
  // IPv4-compatible (deprecated): `::` and `::1` are in this block too but are judged before it.
  { block: ipv6Block("::", 96, ""), name: "an IPv4-compatible", extract: lastTwoGroups },
];

function ipv6Block(text: string, prefixLength: number, kind: string): Ipv6Block {
  const groups = parseIPv6(text);
  if (!groups) throw new Error(`bad IPv6 block ${text}`);
  return { groups, prefixLength, kind };
}

function refusalForIPv6(groups: readonly number[], shown: string): string | undefined {
  const special = IPV6_UNSPECIFIED_AND_LOOPBACK.find((block) => inIPv6Block(groups, block));
  if (special) return `${shown} is ${special.kind} address, not a public one`;
  for (const embedding of IPV4_EMBEDDINGS) {
    if (!inIPv6Block(groups, embedding.block)) continue;
    const ipv4 = embedding.extract(groups);
    const kind = blockedIPv4Kind(ipv4);
    return kind ? `${shown} is ${embedding.name} IPv6 address of ${formatIPv4(ipv4)}, ${kind} address, not a public one` : undefined;
  }
  const blocked = IPV6_BLOCKS.find((block) => inIPv6Block(groups, block));
  if (blocked) return `${shown} is ${blocked.kind} address, not a public one`;
  if (!inIPv6Block(groups, GLOBAL_UNICAST)) return `${shown} is outside the global unicast range (2000::/3), not a public address`;
  return undefined;
}

function inIPv6Block(groups: readonly number[], block: Ipv6Block): boolean {
  let bitsLeft = block.prefixLength;
  for (let i = 0; i < 8 && bitsLeft > 0; i++, bitsLeft -= 16) {
    const mask = bitsLeft >= 16 ? 0xffff : (0xffff << (16 - bitsLeft)) & 0xffff;
    if (((groups[i] ?? 0) & mask) !== ((block.groups[i] ?? 0) & mask)) return false;
  }
  return true;
}

function lastTwoGroups(groups: readonly number[]): number {
  return joinGroups(groups[6], groups[7]);
}

function joinGroups(high = 0, low = 0): number {
  return high * 0x10000 + low;
}

/** Eight 16-bit groups, or undefined. Accepts `::` compression and a dotted IPv4 tail. */
export function parseIPv6(text: string): number[] | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = parseIPv6Groups(halves[0] ?? "");
  const tail = halves.length === 2 ? parseIPv6Groups(halves[1] ?? "") : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : undefined;
}

function parseIPv6Groups(text: string): number[] | undefined {
  if (text === "") return [];
  const groups: number[] = [];
  const parts = text.split(":");
  for (const [index, part] of parts.entries()) {
    if (index === parts.length - 1 && part.includes(".")) {
      const ipv4 = parseDottedIPv4(part);
      if (ipv4 === undefined) return undefined;
      groups.push(ipv4 >>> 16, ipv4 & 0xffff);
    } else if (/^[0-9a-f]{1,4}$/i.test(part)) {
      groups.push(parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

// ---------------------------------------------------------------------------------------
// Fetching

interface FinalResponse {
  response: Response;
  finalUrl: URL;
}

/** Redirects are followed by hand so that every hop passes `checkImageUrl` before it is fetched. */
async function followRedirects(start: URL, fetchImpl: typeof fetch, signal: AbortSignal, maxRedirects: number): Promise<FinalResponse> {
  let url = start;
  for (let redirects = 0; ; redirects++) {
    const response = await untilAborted(fetchImpl(url.href, { redirect: "manual", signal, headers: REQUEST_HEADERS }), signal);
    const location = REDIRECT_STATUSES.has(response.status) ? response.headers.get("location") : null;
    if (location === null) return { response, finalUrl: url };
    discardBody(response);
    if (redirects >= maxRedirects) {
      throw invalid(
        `The image URL ${shown(start)} redirected more than ${maxRedirects} times, so it was not followed further: pass the final URL of the image, or ${ALTERNATIVES}.`,
      );
    }
    url = checkImageUrl(resolveLocation(location, url), url);
  }
}

/** A relative Location resolves against the hop that sent it; an unparsable one is left for `checkImageUrl` to refuse. */
function resolveLocation(location: string, base: URL): string {
  try {
    return new URL(location, base).href;
  } catch {
    return location;
  }
}

async function readImageResponse(response: Response, url: URL, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  if (response.status < 200 || response.status > 299) {
    discardBody(response);
    const edgeFailure = EDGE_FAILURES[response.status];
    if (edgeFailure)
      throw new ToolError(`Fetching the image at ${shown(url)} failed: ${edgeFailure}. ${ALTERNATIVES_SENTENCE}`, "upstream_error");
    throw new ToolError(
      `The server at ${url.host} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""} for ${shown(url)}: ` +
        `check that the URL is public and still valid, or ${ALTERNATIVES}.`,
      "upstream_error",
    );
  }
  const mediaType = mediaTypeOf(response);
  if (!mediaType.startsWith("image/") && !OCTET_STREAM_TYPES.has(mediaType)) {
    discardBody(response);
    throw invalid(
      `The URL ${shown(url)} serves ${mediaType === "" ? "no Content-Type" : `"${mediaType}"`}, not an image: ` +
        `pass the URL of the image file itself (not a web page that shows it), or ${ALTERNATIVES}.`,
    );
  }
  const declaredLength = contentLength(response);
  if (declaredLength !== undefined && declaredLength > maxBytes) {
    discardBody(response);
    throw tooLarge(url, `is ${formatBytes(declaredLength)} (by its Content-Length)`, maxBytes);
  }
  const bytes = await readBodyWithinLimit(response, url, maxBytes, signal);
  if (bytes.length === 0) throw invalid(`The URL ${shown(url)} returned an empty body, not an image: check the URL, or ${ALTERNATIVES}.`);
  return bytes;
}

/** Counts bytes as they arrive and cancels the stream as soon as the cap is passed. */
async function readBodyWithinLimit(response: Response, url: URL, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await untilAborted(reader.read(), signal);
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw tooLarge(url, `is over ${formatBytes(maxBytes)} (the download was stopped there)`, maxBytes);
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => undefined);
    throw error;
  }
  return concatBytes(chunks, total);
}

/**
 * Rejects with the signal's reason as soon as it aborts, even if `promise` never settles:
 * an injected `fetch` or a body stream may not honour the signal themselves.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Frees the connection of a response whose body is not wanted. */
function discardBody(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

function mediaTypeOf(response: Response): string {
  return (response.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

function contentLength(response: Response): number | undefined {
  const header = response.headers.get("content-length");
  if (header === null || !/^\s*\d+\s*$/.test(header)) return undefined;
  return Number(header);
}

// ---------------------------------------------------------------------------------------
// Errors

/** Turns whatever ended the fetch into a `ToolError` that says which limit or failure it was. */
function explainFailure(error: unknown, url: URL, options: FetchImageOptions, deadline: AbortSignal): ToolError {
  if (error instanceof ToolError) return error;
  if (options.signal?.aborted) return new ToolError(`Fetching the image at ${shown(url)} was cancelled.`, "cancelled");
  if (deadline.aborted) {
    return new ToolError(
      `Fetching the image at ${shown(url)} took longer than ${formatSeconds(options.timeoutMs)} and was stopped: ` +
        `use a faster host, or ${ALTERNATIVES}.`,
      "timeout",
    );
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new ToolError(
    `Fetching the image at ${shown(url)} failed: ${connectionFailure(reason)}. ${ALTERNATIVES_SENTENCE}`,
    "upstream_error",
  );
}

const ALTERNATIVES_SENTENCE =
  "Check the URL and that the host is up and public, or upload the image as base64 (or a data URL) or pass an asset id instead.";

/**
 * What a failed connection's error text says happened, in words a user can act on. The
 * runtime's own words are terse: workerd reports a failed DNS lookup (and a failed TLS
 * handshake) as "internal error; reference = …" and a refused connection as "Network
 * connection lost."; Node-style stacks say ENOTFOUND, ECONNREFUSED, certificate errors.
 */
export function connectionFailure(message: string): string {
  const text = message.toLowerCase();
  if (/enotfound|eai_again|getaddrinfo|dns|name not resolved|could not resolve/.test(text))
    return "the host name could not be resolved (DNS): check the host's spelling";
  if (/econnrefused|connection refused/.test(text)) return "the connection was refused: nothing answers https at that host";
  if (/certificate|tls|ssl|handshake/.test(text))
    return "the secure connection failed (TLS): the host's certificate is invalid, expired or for another name";
  if (/network connection lost|econnreset|socket hang up|connection reset/.test(text))
    return "the connection was refused or dropped before the image arrived";
  if (/internal error/.test(text))
    return "the host could not be reached: its name did not resolve (DNS) or its secure connection (TLS) failed";
  return `the connection failed (${message.slice(0, 200)})`;
}

/**
 * Cloudflare answers a Worker's fetch with these statuses when it could not reach the
 * origin at all; in production they are how DNS, refused and TLS failures show up.
 */
const EDGE_FAILURES: Record<number, string> = {
  521: "the host refused the connection (Cloudflare 521)",
  522: "the connection to the host timed out (Cloudflare 522)",
  523: "the host is unreachable (Cloudflare 523)",
  525: "the secure connection failed: TLS handshake error (Cloudflare 525)",
  526: "the host's TLS certificate is invalid (Cloudflare 526)",
  530: "the host name could not be resolved (DNS, Cloudflare 530)",
};

function notAnImage(url: URL, size: number, mediaType: string): ToolError {
  const what =
    mediaType === "image/svg+xml" ? "an SVG drawing; SVG is not accepted (convert it to PNG)" : `not a ${SNIFFABLE_FORMATS} image`;
  return invalid(
    `The ${formatBytes(size)} served at ${shown(url)} are ${what}, judged by their leading bytes: pass the URL of a raster image file, or ${ALTERNATIVES}.`,
  );
}

function tooLarge(url: URL, sizeText: string, maxBytes: number): ToolError {
  return new InputTooLarge(
    `The image at ${shown(url)} ${sizeText}, and fetched images are limited to ${formatBytes(maxBytes)}: ` +
      "pass a smaller (downscaled or compressed) version.",
  );
}

function invalid(message: string): ToolError {
  return new ToolError(message, "invalid_input");
}

/** URLs in messages are quoted and cut short: signed URLs can run to kilobytes. */
function shown(url: URL | string): string {
  const text = typeof url === "string" ? url : url.href;
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
