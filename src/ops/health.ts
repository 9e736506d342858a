/**
 * The operator's port (MARQUEE_HEALTH_PORT): GET /healthz answers 200 with a JSON summary once
 * every configured model is loaded, 503 while starting or shutting down (what a load balancer
 * or an orchestrator's readiness probe reads); GET /metrics is the Prometheus exposition. Nothing
 * else is served, and nothing here can change the bot.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BotMetrics, ServiceView } from './metrics.ts';

export interface HealthServer {
  /** the port listened on (the one asked for, or the one given for port 0) */
  readonly port: number;
  attach(view: ServiceView): void;
  stopping(): void;
  close(): Promise<void>;
}

export interface HealthBody {
  ready: boolean;
  state: 'starting' | 'ready' | 'stopping';
  models: string[];
  training: string[];
  generation: { ratingsVersion: number; createdAt: string } | null;
}

/** The /healthz body and its status code. */
export function healthOf(view: ServiceView | undefined, stopping: boolean): { status: number; body: HealthBody } {
  const stats = view?.stats();
  const ready = !stopping && view?.isReady() === true;
  const body: HealthBody = {
    ready,
    state: stopping ? 'stopping' : ready ? 'ready' : 'starting',
    models: stats?.loaded ?? [],
    training: stats?.training ?? [],
    generation: stats ? { ratingsVersion: stats.generation.ratingsVersion, createdAt: new Date(stats.generation.createdAt).toISOString() } : null,
  };
  return { status: ready ? 200 : 503, body };
}

/** Listens on `port` (all interfaces, so a container's probe can reach it); rejects when it cannot. */
export async function startHealthServer(port: number, metrics: BotMetrics): Promise<HealthServer> {
  let view: ServiceView | undefined;
  let stopping = false;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('Only GET and HEAD.\n');
    } else if (path === '/healthz') {
      const { status, body } = healthOf(view, stopping);
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(`${JSON.stringify(body)}\n`);
    } else if (path === '/metrics') {
      metrics.text().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(err as Error).message}\n`),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: GET /healthz or /metrics.\n');
    }
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, () => {
      server.off('error', fail);
      done();
    });
  });
  // a probe's keep-alive connection must not hold the process open at shutdown
  server.keepAliveTimeout = 1000;
  return {
    port: (server.address() as AddressInfo).port,
    attach(v) {
      view = v;
      metrics.attach(v);
    },
    stopping() {
      stopping = true;
      metrics.stopping();
    },
    close() {
      server.closeAllConnections();
      return new Promise((done) => server.close(() => done()));
    },
  };
}
