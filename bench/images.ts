// Distinct product-photo-like JPEGs (640×480, smooth gradients, a few shapes and sensor-like noise,
// quality 90), so decoding and resizing cost what a real photo costs. Seeded: same files every run.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { seededRandom } from '../test/support/onnx-fixtures.js';

export const PHOTO_WIDTH = 640;
export const PHOTO_HEIGHT = 480;

/** The photos, cached as files in `cacheDir` (they take a few seconds to draw). */
export async function productPhotos(count: number, cacheDir: string, seed = 7): Promise<Buffer[]> {
  const directory = join(cacheDir, `photos-${seed}`);
  await mkdir(directory, { recursive: true });
  const photos: Buffer[] = [];
  for (let index = 0; index < count; index++) {
    const path = join(directory, `${index}.jpg`);
    if (existsSync(path)) photos.push(await readFile(path));
    else {
      const photo = await drawPhoto(seed, index);
      await writeFile(path, photo);
      photos.push(photo);
    }
  }
  return photos;
}

async function drawPhoto(seed: number, index: number): Promise<Buffer> {
  {
    const random = seededRandom(seed * 1000 + index);
    const pixels = Buffer.alloc(PHOTO_WIDTH * PHOTO_HEIGHT * 3);
    const background = [random() * 255, random() * 255, random() * 255];
    const gradient = [random() - 0.5, random() - 0.5, random() - 0.5];
    const shapes = Array.from({ length: 3 + Math.floor(random() * 4) }, () => ({
      x: random() * PHOTO_WIDTH,
      y: random() * PHOTO_HEIGHT,
      radius: 30 + random() * 150,
      colour: [random() * 255, random() * 255, random() * 255],
      square: random() < 0.5,
    }));
    for (let y = 0; y < PHOTO_HEIGHT; y++) {
      for (let x = 0; x < PHOTO_WIDTH; x++) {
        let colour = background.map((value, c) => value + gradient[c]! * (x + y) * 0.3);
        for (const shape of shapes) {
          const dx = Math.abs(x - shape.x);
          const dy = Math.abs(y - shape.y);
          const inside = shape.square
            ? Math.max(dx, dy) < shape.radius
            : dx * dx + dy * dy < shape.radius * shape.radius;
          if (inside) colour = shape.colour.map((value, c) => value * 0.8 + colour[c]! * 0.2);
        }
        const offset = (y * PHOTO_WIDTH + x) * 3;
        for (let c = 0; c < 3; c++) {
          const noisy = colour[c]! + (random() - 0.5) * 24;
          pixels[offset + c] = Math.max(0, Math.min(255, Math.round(noisy)));
        }
      }
    }
    return sharp(pixels, { raw: { width: PHOTO_WIDTH, height: PHOTO_HEIGHT, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer();
  }
}
