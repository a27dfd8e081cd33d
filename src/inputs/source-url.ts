/**
 * An input URL as it may be kept (records, job specs): origin and path only. Query strings
 * and fragments often carry signatures or tokens (pre-signed S3 links, `?token=`), and a
 * URL's user:password is a credential; none of it may outlive the fetch.
 */
export function storableSourceUrl(url: string): string {
  const parsed = new URL(url);
  parsed.username = "";
  parsed.password = "";
  parsed.search = "";
  parsed.hash = "";
  return parsed.href;
}
