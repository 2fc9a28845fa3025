import { pngChunk } from '../../test/support/images.js';
import { type LookupAddress } from 'node:dns';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidImageError } from '../errors/domain-errors.js';
import { ImageLoader, isPublicAddress, sniffImageFormat, type ImageLoaderOptions } from './image-loader.js';

// Every test talks only to 127.0.0.1. Refused addresses (10.0.0.1, 169.254.169.254, …) are refused
// before any connection is attempted, which is what these tests assert.

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

let server: Server;
let origin: string;
let port: number;
const routes = new Map<string, Handler>();
const hits: Array<{ path: string; host: string | undefined }> = [];

let png: Buffer;
let jpeg: Buffer;
let bomb: Buffer;

/**
 * A valid 20000×20000 one-bit greyscale PNG of a single colour: 400 megapixels (1.2 GB as RGB)
 * in about 50 kB. Written by hand because making it through sharp takes seconds.
 */
function decompressionBomb(size = 20_000): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // greyscale
  const rows = Buffer.alloc(size * (1 + size / 8)); // filter byte + 1 bit per pixel, all zero
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const send =
  (body: Buffer | string, contentType?: string, status = 200): Handler =>
  (_request, response) => {
    response.writeHead(status, contentType ? { 'content-type': contentType } : {});
    response.end(body);
  };

const redirect =
  (location: string, status = 302): Handler =>
  (_request, response) => {
    response.writeHead(status, { location });
    response.end();
  };

/** Status of the endless body: how much the server managed to write before the client hung up. */
const endless = { written: 0, closed: Promise.resolve() };

beforeAll(async () => {
  png = await sharp({ create: { width: 30, height: 20, channels: 3, background: '#3366cc' } })
    .png()
    .toBuffer();
  jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#cc6633' } })
    .jpeg()
    .toBuffer();
  bomb = decompressionBomb();

  routes.set('/image.png', send(png, 'image/png'));
  routes.set('/image.jpg', send(jpeg, 'image/jpeg; charset=binary'));
  routes.set('/octet-stream', send(png, 'application/octet-stream'));
  routes.set('/untyped', send(png));
  routes.set('/html', send('<!doctype html><html><body>hello</body></html>', 'text/html; charset=utf-8'));
  routes.set('/html-as-png', send('<!doctype html><html><body>hello</body></html>', 'image/png'));
  routes.set('/octet-html', send('<!doctype html><html></html>', 'application/octet-stream'));
  routes.set('/corrupt.png', send(Buffer.concat([png.subarray(0, 8), Buffer.alloc(64, 7)]), 'image/png'));
  routes.set('/bomb.png', send(bomb, 'image/png'));
  routes.set('/missing', send('not found', 'text/plain', 404));
  routes.set('/redirect-relative', redirect('/image.png', 301));
  routes.set('/redirect-to-metadata', redirect('http://169.254.169.254/latest/meta-data/'));
  routes.set('/redirect-to-private', redirect('http://10.0.0.1/image.png', 307));
  routes.set('/redirect-to-ftp', redirect('ftp://127.0.0.1/image.png'));
  routes.set('/redirect-without-location', (_request, response) => {
    response.writeHead(302);
    response.end();
  });
  for (let hop = 0; hop < 10; hop++) routes.set(`/loop/${hop}`, redirect(`/loop/${hop + 1}`));
  routes.set('/declared-too-large', (_request, response) => {
    // Only the header is honest about the size; the body never comes.
    response.writeHead(200, { 'content-type': 'image/png', 'content-length': String(11 * 1024 * 1024) });
    response.write(png.subarray(0, 16));
  });
  routes.set('/endless', (_request, response) => {
    endless.written = 0;
    endless.closed = once(response, 'close').then(() => undefined);
    response.writeHead(200, { 'content-type': 'image/png' }); // chunked: no Content-Length
    const chunk = Buffer.concat([png, Buffer.alloc(16 * 1024 - png.length)]);
    const pump = (): void => {
      while (!response.destroyed && endless.written < 64 * 1024 * 1024) {
        endless.written += chunk.length;
        if (!response.write(chunk)) {
          response.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
  routes.set('/no-answer', () => {
    // Never answers; the client has to give up.
  });
  routes.set('/stalled-body', (_request, response) => {
    response.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.length) });
    response.write(png.subarray(0, 10));
  });

  server = createServer((request, response) => {
    const path = request.url ?? '/';
    hits.push({ path, host: request.headers.host });
    (routes.get(path) ?? send('no such route', 'text/plain', 404))(request, response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

beforeEach(() => {
  hits.length = 0;
});

/** A loader that may fetch from this machine, as the tests' servers live there. */
const localLoader = (options: ImageLoaderOptions = {}) =>
  new ImageLoader({ allowPrivateNetworks: ['127.0.0.1'], ...options });

/** The InvalidImageError a load fails with; also checks that its message is one clean line. */
async function failure(
  loading: Promise<unknown>,
): Promise<{ field: string; reason: string; message: string }> {
  const error = await loading.then(
    () => {
      throw new Error('expected the load to fail');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InvalidImageError);
  const { details, message } = error as InvalidImageError;
  expect(message).not.toMatch(/\n|\s+at\s+\S+:\d+/);
  return { ...details, message };
}

const reason = async (loading: Promise<unknown>): Promise<string> => (await failure(loading)).reason;

const fixedLookup =
  (...addresses: string[]) =>
  (): Promise<LookupAddress[]> =>
    Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

describe('ImageLoader: accepted images', () => {
  it('fetches a PNG and a JPEG over HTTP', async () => {
    const loader = localLoader();

    const loadedPng = await loader.load({ url: `${origin}/image.png` }, 'image');
    expect(loadedPng).toMatchObject({ format: 'png', width: 30, height: 20 });
    expect(loadedPng.bytes.equals(png)).toBe(true);

    const loadedJpeg = await loader.load({ url: `${origin}/image.jpg`, base64: null }, 'image');
    expect(loadedJpeg).toMatchObject({ format: 'jpeg', width: 40, height: 30 });
    expect(loadedJpeg.bytes.equals(jpeg)).toBe(true);
  });

  it('accepts an untyped or octet-stream response when the bytes are an image', async () => {
    const loader = localLoader();
    expect(await loader.load({ url: `${origin}/octet-stream` }, 'image')).toMatchObject({ format: 'png' });
    expect(await loader.load({ url: `${origin}/untyped` }, 'image')).toMatchObject({ format: 'png' });
    expect(await reason(loader.load({ url: `${origin}/octet-html` }, 'image'))).toBe('not-an-image');
  });

  it('decodes plain base64 and a data URL', async () => {
    const loader = new ImageLoader();
    const plain = await loader.load({ base64: png.toString('base64') }, 'image');
    const dataUrl = await loader.load(
      { url: '', base64: `data:image/png;base64,${jpeg.toString('base64')}` },
      'image',
    );

    expect(plain).toMatchObject({ format: 'png', width: 30, height: 20 });
    expect(plain.bytes.equals(png)).toBe(true);
    expect(dataUrl).toMatchObject({ format: 'jpeg', width: 40, height: 30 });
  });

  it('connects to the address it checked, keeping the hostname in the Host header', async () => {
    // A rebinding DNS server: the first answer passes the check, a later one would not.
    const answers = ['127.0.0.1', '10.0.0.1'];
    let lookups = 0;
    const loader = localLoader({
      lookup: () => Promise.resolve([{ address: answers[Math.min(lookups++, 1)] ?? '', family: 4 }]),
    });

    const loaded = await loader.load({ url: `http://images.test:${port}/image.png` }, 'image');

    expect(loaded.bytes.equals(png)).toBe(true);
    expect(lookups).toBe(1);
    expect(hits).toEqual([{ path: '/image.png', host: `images.test:${port}` }]);
  });

  it('follows a relative redirect within the limit', async () => {
    const loaded = await localLoader().load({ url: `${origin}/redirect-relative` }, 'image');
    expect(loaded.bytes.equals(png)).toBe(true);
    expect(hits.map((hit) => hit.path)).toEqual(['/redirect-relative', '/image.png']);
  });

  it('lets a hostname on the allow-list reach a private address, and only that hostname', async () => {
    const loader = new ImageLoader({
      allowPrivateNetworks: ['images.internal'],
      lookup: fixedLookup('127.0.0.1'),
    });

    expect(await loader.load({ url: `http://images.internal:${port}/image.png` }, 'image')).toMatchObject({
      format: 'png',
    });
    expect(await reason(loader.load({ url: `http://other.internal:${port}/image.png` }, 'image'))).toBe(
      'private-address',
    );
  });
});

describe('ImageLoader: refused sources', () => {
  it('needs exactly one of url and base64', async () => {
    const loader = new ImageLoader();
    const both = await failure(
      loader.load({ url: `${origin}/image.png`, base64: png.toString('base64') }, 'input.image'),
    );
    const neither = await failure(loader.load({ url: null, base64: '' }, 'input.image'));

    expect(both).toMatchObject({ field: 'input.image', reason: 'source' });
    expect(neither).toMatchObject({ field: 'input.image', reason: 'source' });
    expect(both.message).toBe('input.image: give exactly one of url and base64');
  });

  it.each([
    'ftp://127.0.0.1/image.png',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'gopher://127.0.0.1:70/',
  ])('refuses the scheme of %s', async (url) => {
    expect(await reason(localLoader().load({ url }, 'image'))).toBe('scheme');
  });

  it('refuses malformed URLs and URLs with credentials', async () => {
    const loader = localLoader();
    expect(await reason(loader.load({ url: 'not a url' }, 'image'))).toBe('url');
    expect(
      await reason(loader.load({ url: `http://user:secret@127.0.0.1:${port}/image.png` }, 'image')),
    ).toBe('url');
    expect(hits).toEqual([]);
  });

  it('refuses http://127.0.0.1 without the allow-list, before connecting', async () => {
    const error = await failure(new ImageLoader().load({ url: `${origin}/image.png` }, 'image'));
    expect(error).toMatchObject({ field: 'image', reason: 'private-address' });
    expect(hits).toEqual([]);
  });

  it.each([
    'http://10.0.0.1/image.png',
    'http://172.16.5.4/image.png',
    'http://192.168.1.20/image.png',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.0.1/image.png',
    'http://0.0.0.0/image.png',
    'http://224.0.0.1/image.png',
    'http://255.255.255.255/image.png',
    'http://2130706433/image.png', // 127.0.0.1 written as a number
    'http://[::1]/image.png',
    'http://[::ffff:127.0.0.1]/image.png',
    'http://[::ffff:a9fe:a9fe]/image.png', // 169.254.169.254, IPv4-mapped
    'http://[fe80::1]/image.png',
    'http://[fd00:ec2::254]/image.png', // AWS metadata over IPv6 (unique-local)
    'http://[::]/image.png',
    'http://[64:ff9b::a9fe:a9fe]/image.png', // NAT64 of 169.254.169.254
  ])('refuses the private or reserved address in %s', async (url) => {
    let lookups = 0;
    const loader = new ImageLoader({
      lookup: () => Promise.resolve([{ address: '8.8.8.8', family: 4 }]).finally(() => lookups++),
    });
    expect(await reason(loader.load({ url }, 'image'))).toBe('private-address');
    expect(lookups).toBe(0);
  });

  it.each(['metadata.google.internal', 'METADATA.google.internal.', 'localhost', 'printer.localhost'])(
    'refuses the internal hostname %s without resolving it',
    async (hostname) => {
      let lookups = 0;
      const loader = new ImageLoader({
        lookup: () => Promise.resolve([{ address: '8.8.8.8', family: 4 }]).finally(() => lookups++),
      });
      expect(await reason(loader.load({ url: `http://${hostname}/computeMetadata/v1/` }, 'image'))).toBe(
        'private-address',
      );
      expect(lookups).toBe(0);
    },
  );

  it('refuses a hostname that resolves to a private address, even among public ones', async () => {
    const loopback = new ImageLoader({ lookup: fixedLookup('127.0.0.1') });
    const mixed = new ImageLoader({ lookup: fixedLookup('93.184.216.34', '::ffff:10.1.2.3') });

    expect(await reason(loopback.load({ url: `http://images.test:${port}/image.png` }, 'image'))).toBe(
      'private-address',
    );
    expect(await reason(mixed.load({ url: 'http://images.test/image.png' }, 'image'))).toBe(
      'private-address',
    );
    expect(hits).toEqual([]);
  });

  it('reports a host that does not resolve', async () => {
    const loader = new ImageLoader({
      lookup: () =>
        Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' })),
    });
    const error = await failure(loader.load({ url: 'http://nowhere.test/image.png' }, 'image'));
    expect(error).toMatchObject({ reason: 'dns' });
    expect(error.message).not.toContain('getaddrinfo');
  });

  it('re-checks every redirect and refuses one to a disallowed address or scheme', async () => {
    const loader = localLoader();
    expect(await reason(loader.load({ url: `${origin}/redirect-to-metadata` }, 'image'))).toBe(
      'private-address',
    );
    expect(await reason(loader.load({ url: `${origin}/redirect-to-private` }, 'image'))).toBe(
      'private-address',
    );
    expect(await reason(loader.load({ url: `${origin}/redirect-to-ftp` }, 'image'))).toBe('scheme');
    expect(await reason(loader.load({ url: `${origin}/redirect-without-location` }, 'image'))).toBe(
      'http-status',
    );
  });

  it('stops after maxRedirects redirects', async () => {
    const error = await failure(localLoader({ maxRedirects: 3 }).load({ url: `${origin}/loop/0` }, 'image'));
    expect(error.reason).toBe('redirects');
    expect(hits.map((hit) => hit.path)).toEqual(['/loop/0', '/loop/1', '/loop/2', '/loop/3']);
  });

  it('refuses an HTTP error status', async () => {
    const error = await failure(localLoader().load({ url: `${origin}/missing` }, 'image'));
    expect(error).toMatchObject({ reason: 'http-status' });
    expect(error.message).toContain('404');
  });

  it('reports a host that refuses the connection', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const closedPort = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');

    expect(
      await reason(localLoader().load({ url: `http://127.0.0.1:${closedPort}/image.png` }, 'image')),
    ).toBe('unreachable');
  });
});

describe('ImageLoader: size and time limits', () => {
  it('refuses a response whose Content-Length is too large without reading it', async () => {
    const started = Date.now();
    expect(await reason(localLoader().load({ url: `${origin}/declared-too-large` }, 'image'))).toBe(
      'too-large',
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('aborts a chunked body as soon as it exceeds maxBytes', async () => {
    const error = await failure(
      localLoader({ maxBytes: 64 * 1024 }).load({ url: `${origin}/endless` }, 'image'),
    );
    await endless.closed;

    expect(error.reason).toBe('too-large');
    // The server could only run ahead by what the socket buffers hold, not the 64 MiB it would send.
    expect(endless.written).toBeLessThan(8 * 1024 * 1024);
  });

  it('times out a server that never answers, and one whose body stalls', async () => {
    const loader = localLoader({ totalTimeoutMs: 250 });
    const started = Date.now();
    expect(await reason(loader.load({ url: `${origin}/no-answer` }, 'image'))).toBe('timeout');
    expect(await reason(loader.load({ url: `${origin}/stalled-body` }, 'image'))).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('times out a connection that never completes its TLS handshake, by the connect timeout', async () => {
    // A TCP server that accepts and stays silent: an https:// client stays in its handshake.
    const silent = createNetServer(() => {});
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const silentPort = (silent.address() as AddressInfo).port;
    try {
      const loader = localLoader({ connectTimeoutMs: 150, totalTimeoutMs: 10_000 });
      const started = Date.now();
      expect(await reason(loader.load({ url: `https://127.0.0.1:${silentPort}/image.png` }, 'image'))).toBe(
        'timeout',
      );
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      silent.close();
    }
  });

  it('times out a DNS lookup that never answers', async () => {
    const loader = new ImageLoader({
      totalTimeoutMs: 100,
      lookup: () => new Promise<LookupAddress[]>(() => {}),
    });
    expect(await reason(loader.load({ url: 'http://slow-dns.test/image.png' }, 'image'))).toBe('timeout');
  });

  it('refuses base64 above maxBytes before and after decoding', async () => {
    const loader = new ImageLoader({ maxBytes: 100 });
    // 200 characters could only decode to 150 bytes: refused without decoding.
    expect(await reason(loader.load({ base64: 'A'.repeat(200) }, 'image'))).toBe('too-large');
    // 136 characters pass the length bound but decode to 102 bytes.
    expect(await reason(loader.load({ base64: Buffer.alloc(102, 1).toString('base64') }, 'image'))).toBe(
      'too-large',
    );
  });

  it('refuses a decompression bomb by its declared pixel count, from a URL or base64', async () => {
    expect(bomb.length).toBeLessThan(200 * 1024);
    expect(await reason(localLoader().load({ url: `${origin}/bomb.png` }, 'image'))).toBe('too-many-pixels');
    expect(await reason(new ImageLoader().load({ base64: bomb.toString('base64') }, 'image'))).toBe(
      'too-many-pixels',
    );
    // A configured limit applies too; sharp makes this 3 MP solid image in about 10 kB.
    const modest = await sharp({
      create: { width: 2_000, height: 1_500, channels: 3, background: '#ffffff' },
    })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(
      await reason(
        new ImageLoader({ maxPixels: 2_000_000 }).load({ base64: modest.toString('base64') }, 'image'),
      ),
    ).toBe('too-many-pixels');
  });
});

describe('ImageLoader: content checks', () => {
  it('refuses a non-image content type before reading the body', async () => {
    const error = await failure(localLoader().load({ url: `${origin}/html` }, 'image'));
    expect(error).toMatchObject({ reason: 'content-type' });
    expect(error.message).toContain('text/html');
  });

  it('refuses HTML served as image/png', async () => {
    expect(await reason(localLoader().load({ url: `${origin}/html-as-png` }, 'image'))).toBe('not-an-image');
  });

  it('refuses image magic followed by data sharp cannot read', async () => {
    expect(await reason(localLoader().load({ url: `${origin}/corrupt.png` }, 'image'))).toBe('undecodable');
  });

  it('names a format it recognises but cannot decode', async () => {
    // A 1×1 24-bit BMP: an image, but libvips as shipped with sharp has no BMP loader.
    const bmp = Buffer.alloc(58);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(58, 2); // file size
    bmp.writeUInt32LE(54, 10); // pixel data offset
    bmp.writeUInt32LE(40, 14); // BITMAPINFOHEADER
    bmp.writeInt32LE(1, 18); // width
    bmp.writeInt32LE(1, 22); // height
    bmp.writeUInt16LE(1, 26); // planes
    bmp.writeUInt16LE(24, 28); // bits per pixel
    const error = await failure(new ImageLoader().load({ base64: bmp.toString('base64') }, 'image'));

    expect(error.reason).toBe('unsupported-format');
    expect(error.message).toContain('BMP images are not supported');
  });

  it('refuses invalid base64 and non-image data URLs', async () => {
    const loader = new ImageLoader();
    const encoded = png.toString('base64');
    for (const base64 of [
      `${encoded.slice(0, 40)}!${encoded.slice(41)}`, // invalid character
      `${encoded.slice(0, 40)} ${encoded.slice(41)}`, // whitespace
      encoded.replace(/=+$/, ''), // missing padding
      'QQ=A', // padding in the middle
      'QR==', // non-canonical trailing bits
      `data:image/png,${encoded}`, // not base64-encoded
    ]) {
      expect(await reason(loader.load({ base64 }, 'image')), base64.slice(0, 20)).toBe('invalid-base64');
    }
    expect(await reason(loader.load({ base64: `data:text/html;base64,${encoded}` }, 'image'))).toBe(
      'content-type',
    );
    expect(
      await reason(
        loader.load(
          { base64: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>').toString('base64') },
          'image',
        ),
      ),
    ).toBe('not-an-image');
  });
});

describe('isPublicAddress', () => {
  it.each(['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('accepts %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.169.254',
    '100.100.100.200', // Alibaba Cloud metadata, in CGNAT space
    '192.0.0.192', // Oracle Cloud metadata, IETF reserved
    '0.0.0.0',
    '255.255.255.255',
    '239.1.2.3',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:192.168.1.1',
    '::7f00:1', // deprecated IPv4-compatible ::127.0.0.1
    '64:ff9b::7f00:1',
    '2002:7f00:1::1', // 6to4 of 127.0.0.1
    '2001:db8::1',
    'not-an-address',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });
});

describe('sniffImageFormat', () => {
  it('recognises the formats by their magic bytes', async () => {
    const make = (format: 'gif' | 'webp' | 'tiff' | 'avif') =>
      sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
        .toFormat(format)
        .toBuffer();
    expect(sniffImageFormat(png)).toBe('png');
    expect(sniffImageFormat(jpeg)).toBe('jpeg');
    expect(sniffImageFormat(await make('gif'))).toBe('gif');
    expect(sniffImageFormat(await make('webp'))).toBe('webp');
    expect(sniffImageFormat(await make('tiff'))).toBe('tiff');
    expect(sniffImageFormat(await make('avif'))).toBe('heif');
    expect(sniffImageFormat(Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)]))).toBe('bmp');
    expect(sniffImageFormat(Buffer.from('<html></html>'))).toBeNull();
    expect(sniffImageFormat(Buffer.from('\0\0\0\x18ftypmp42\0\0\0\0mp42isom'))).toBeNull(); // an MP4 video
  });
});
