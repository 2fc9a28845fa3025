// Synthetic product photos for integration tests, and a local HTTP server that serves them.
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { type PreprocessSpec } from '../../src/imaging/preprocess-spec.js';

export type Rgb = readonly [number, number, number];

/** A 320×240 photo: a background colour with a centred block of another colour. */
export async function productPhoto(
  background: Rgb,
  block: Rgb,
  format: 'png' | 'jpeg' = 'png',
): Promise<Buffer> {
  const blockImage = await sharp({
    create: { width: 120, height: 100, channels: 3, background: { r: block[0], g: block[1], b: block[2] } },
  })
    .png()
    .toBuffer();
  const image = sharp({
    create: {
      width: 320,
      height: 240,
      channels: 3,
      background: { r: background[0], g: background[1], b: background[2] },
    },
  }).composite([{ input: blockImage, left: 100, top: 70 }]);
  return format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 95 }).toBuffer();
}

export interface ImageServer {
  readonly base: string;
  readonly requests: string[];
  close(): Promise<void>;
}

/** Serves `files` (path → bytes, as image/png or image/jpeg) on 127.0.0.1. */
export async function serveImages(files: Record<string, Buffer>): Promise<ImageServer> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const body = files[request.url ?? ''];
    if (!body) {
      response.writeHead(404).end();
      return;
    }
    const type = body[0] === 0xff ? 'image/jpeg' : 'image/png';
    response.writeHead(200, { 'content-type': type, 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** One PNG chunk (length, type, data, CRC), for hand-built PNG files. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** torchvision's ImageNet preprocessing (short side 256, centre crop 224, ImageNet mean/std). */
export const IMAGENET_PREPROCESS: PreprocessSpec = {
  resizeShortSide: 256,
  interpolation: 'bilinear',
  cropSize: 224,
  rescale: 1 / 255,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  channelOrder: 'RGB',
  layout: 'NCHW',
};
