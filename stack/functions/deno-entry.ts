// Runs inside Deno, one process per function: binds the function's `Deno.serve` to the loopback port the
// stack assigned (whatever options it passed), signals readiness on stdout, then loads the function.
declare const Deno: {
  env: { get(name: string): string | undefined };
  serve: (...args: unknown[]) => unknown;
};

type Handler = (req: Request, info: unknown) => Response | Promise<Response>;

const port = Number(Deno.env.get('NEXURAL_FUNCTION_PORT'));
const entry = Deno.env.get('NEXURAL_FUNCTION_ENTRY') as string;
const serve = Deno.serve.bind(Deno);

Deno.serve = (a: unknown, b?: unknown) => {
  const options = (typeof a === 'function' ? {} : a) as Record<string, unknown>;
  const handler = (typeof a === 'function' ? a : (b ?? options.handler)) as Handler;
  return serve(
    { ...options, port, hostname: '127.0.0.1', onListen: () => console.log('NEXURAL_FUNCTION_READY') },
    handler,
  );
};

await import(entry);
