/**
 * Token counts in OpenAI's o200k_base encoding, in time linear in the text (n log n for a
 * single long piece).
 *
 * js-tiktoken's `encode` merges byte pairs by rescanning the whole piece after every
 * merge, which is quadratic: one 8,000-letter "word" took 4.5 s and 32,000 letters
 * minutes. This counter uses the same ranks and the same pre-tokenizer pattern, and the
 * same merge rule (always the lowest-ranked adjacent pair, the leftmost one on a tie),
 * but keeps the candidate pairs in a heap, so its counts are exactly js-tiktoken's
 * (`encode(text, [], [])`; the tests compare the two) without its cost.
 *
 * Special-token strings such as `<|endoftext|>` are ordinary text here, as they are in a
 * prompt sent to the API: they are never refused and never counted as one token.
 */

interface Encoding {
  /** Token bytes as a binary string (one char per byte) → rank. */
  ranks: Map<string, number>;
  /** Longest token in bytes: a longer span is never a token, so it needs no lookup. */
  longestToken: number;
  pattern: RegExp;
}

let encoding: Promise<Encoding> | undefined;

/**
 * The o200k_base ranks, read on first use and kept for the isolate's life. They are
 * megabytes of JavaScript, and reading them takes most of a second, so never at start-up.
 */
function o200k(): Promise<Encoding> {
  encoding ??= (async () => {
    const { default: data } = await import("js-tiktoken/ranks/o200k_base");
    const ranks = new Map<string, number>();
    let longestToken = 0;
    // Lines of "<name> <first rank> <base64 token> <base64 token> …", ranks counting up.
    for (const line of data.bpe_ranks.split("\n")) {
      const [, offset, ...tokens] = line.split(" ");
      if (offset === undefined) continue;
      const first = Number.parseInt(offset, 10);
      tokens.forEach((token, i) => {
        const bytes = atob(token);
        ranks.set(bytes, first + i);
        if (bytes.length > longestToken) longestToken = bytes.length;
      });
    }
    return { ranks, longestToken, pattern: new RegExp(data.pat_str, "gu") };
  })();
  encoding.catch(() => (encoding = undefined));
  return encoding;
}

const utf8 = new TextEncoder();

/** UTF-8 bytes of `text` as a binary string, the form rank keys take. */
function binaryUtf8(text: string): string {
  const bytes = utf8.encode(text);
  let out = "";
  for (let i = 0; i < bytes.length; i += 0x4000) out += String.fromCharCode(...bytes.subarray(i, i + 0x4000));
  return out;
}

export async function countTokens(text: string): Promise<number> {
  const { ranks, longestToken, pattern } = await o200k();
  let count = 0;
  for (const match of text.matchAll(pattern)) {
    const piece = binaryUtf8(match[0]);
    count += ranks.has(piece) ? 1 : mergedPartCount(piece, ranks, longestToken);
  }
  return count;
}

/** Whether the ranks are already loaded in this isolate (reported so callers can tell a cold count from a warm one). */
export function encoderIsWarm(): boolean {
  return encoding !== undefined;
}

/** Heap keys pack (rank, start) into one number: ranks are below 2^18, starts below 2^30, so the key stays an exact integer. */
const START_BITS = 2 ** 30;

/**
 * Byte-pair merging of one piece, counting the parts left. Parts form a linked list over
 * byte offsets; each part's pair with its right neighbour sits in a min-heap ordered by
 * (rank, offset), which is exactly the order the plain algorithm picks merges in. Heap
 * entries go stale when a neighbour merges; a version per part tells them apart.
 */
function mergedPartCount(piece: string, ranks: Map<string, number>, longestToken: number): number {
  const n = piece.length;
  if (n <= 1) return n;
  const next = new Int32Array(n); // start of the next part, n past the end; -1 once merged away
  const prev = new Int32Array(n);
  const version = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
  }
  // Every merge pushes at most two entries, after the n - 1 first ones.
  const heap = new PairHeap(3 * n);
  const push = (start: number) => {
    const version_ = ++version[start]!;
    const right = next[start]!;
    if (right >= n) return;
    const end = next[right]!;
    if (end - start > longestToken) return;
    const rank = ranks.get(piece.substring(start, end));
    if (rank !== undefined) heap.push(rank * START_BITS + start, version_);
  };
  for (let i = 0; i < n - 1; i++) push(i);
  let parts = n;
  while (heap.size > 0) {
    const start = heap.topKey() % START_BITS;
    const seen = heap.topVersion();
    heap.pop();
    if (next[start] === -1 || version[start] !== seen) continue;
    const right = next[start]!;
    next[start] = next[right]!;
    next[right] = -1;
    if (next[start]! < n) prev[next[start]!] = start;
    parts--;
    push(start);
    if (prev[start]! >= 0) push(prev[start]!);
  }
  return parts;
}

/** A binary min-heap of packed (rank, start) keys with a version each, in typed arrays. */
class PairHeap {
  private readonly keys: Float64Array;
  private readonly versions: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.keys = new Float64Array(capacity);
    this.versions = new Int32Array(capacity);
  }

  topKey(): number {
    return this.keys[0]!;
  }

  topVersion(): number {
    return this.versions[0]!;
  }

  push(key: number, version: number): void {
    const { keys, versions } = this;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent]! <= key) break;
      keys[i] = keys[parent]!;
      versions[i] = versions[parent]!;
      i = parent;
    }
    keys[i] = key;
    versions[i] = version;
  }

  pop(): void {
    const { keys, versions } = this;
    const last = --this.size;
    if (last === 0) return;
    const key = keys[last]!;
    const version = versions[last]!;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= last) break;
      const right = left + 1;
      const child = right < last && keys[right]! < keys[left]! ? right : left;
      if (keys[child]! >= key) break;
      keys[i] = keys[child]!;
      versions[i] = versions[child]!;
      i = child;
    }
    keys[i] = key;
    versions[i] = version;
  }
}
