// A TCP relay in front of the Postgres server, for tests of a database that goes away.
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/**
 * A TCP relay in front of the Postgres server that can be taken down: its open connections are cut
 * (as when the server dies) and its port then refuses new ones (as when it is not running).
 */
export async function startRelay(target: URL): Promise<{ port: number; takeDown(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    port: (relay.address() as AddressInfo).port,
    takeDown: () =>
      new Promise<void>((resolve) => {
        relay.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
