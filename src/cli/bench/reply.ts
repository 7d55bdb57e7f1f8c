/** A response of the site, copied by the benchmark's peers: status, headers, and the body as sent (base64). */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}
