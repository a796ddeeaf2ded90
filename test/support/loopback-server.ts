import type * as net from 'node:net';

/**
 * Starts `server` on a free 127.0.0.1 port, keeping its connections (and any the caller adds to `sockets`) so that
 * `close` ends them: a kept-alive client would otherwise hold `server.close` open until it idles out.
 */
export async function listenOnLoopback(
  server: net.Server,
  sockets = new Set<net.Socket>(),
): Promise<{ readonly port: number; readonly close: () => Promise<void> }> {
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
