/** One sample of an instant vector, as Prometheus' `/api/v1/query` answers it. */
export interface InstantSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: [number, string];
}

/** Runs `expr` as an instant query against the Prometheus at `baseUrl`; a query error fails with its message. */
export async function instantQuery(baseUrl: string | undefined, expr: string): Promise<InstantSample[]> {
  if (baseUrl === undefined) throw new Error(`${expr}: no Prometheus running`);
  const response = await fetch(`${baseUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as { status: string; error?: string; data: { result: InstantSample[] } };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}
