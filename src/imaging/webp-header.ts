/**
 * Width and height from a WebP file's first chunk, without decoding it: a preview's size is
 * known the moment the binding returns it, with no second round trip to ask. Covers the three
 * layouts a WebP starts with (RIFF container, then `VP8 ` lossy, `VP8L` lossless or `VP8X`
 * extended); anything else is undefined and the caller asks the binding.
 */
export function readWebpSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 30 || ascii(bytes, 0) !== "RIFF" || ascii(bytes, 8) !== "WEBP") return undefined;
  const at = (i: number) => bytes[i]!;
  switch (ascii(bytes, 12)) {
    case "VP8 ": {
      // A key frame: 3-byte frame tag, the start code 9d 01 2a, then 14-bit width and height (2 bits of scale above each).
      if (at(23) !== 0x9d || at(24) !== 0x01 || at(25) !== 0x2a) return undefined;
      return positive(((at(27) << 8) | at(26)) & 0x3fff, ((at(29) << 8) | at(28)) & 0x3fff);
    }
    case "VP8L": {
      // Signature 0x2f, then width − 1 and height − 1 in 14 bits each, little-endian bit order.
      if (at(20) !== 0x2f) return undefined;
      const bits = (at(21) | (at(22) << 8) | (at(23) << 16) | (at(24) << 24)) >>> 0;
      return positive((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
    }
    case "VP8X": {
      // Flags and 3 reserved bytes, then canvas width − 1 and height − 1 in 24 bits each.
      const width = (at(24) | (at(25) << 8) | (at(26) << 16)) + 1;
      const height = (at(27) | (at(28) << 8) | (at(29) << 16)) + 1;
      return positive(width, height);
    }
    default:
      return undefined;
  }
}

function ascii(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!);
}

function positive(width: number, height: number): { width: number; height: number } | undefined {
  return width > 0 && height > 0 ? { width, height } : undefined;
}
