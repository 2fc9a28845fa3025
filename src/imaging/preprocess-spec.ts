// How a model wants its input pixels prepared (resize, crop, rescale, normalise, layout). Part of
// every CNN and CLIP entry of models/manifest.json; defined here, where the preprocessing happens.
import { z } from 'zod';

const rgbTriple = z.tuple([z.number(), z.number(), z.number()]);

export const preprocessSchema = z.object({
  /** The shorter side is resized to this many pixels, keeping the aspect ratio. */
  resizeShortSide: z.number().int().positive(),
  interpolation: z.enum(['bilinear', 'bicubic']),
  /** Centre crop to a square of this size. */
  cropSize: z.number().int().positive(),
  /** Multiplies 0–255 pixel values (1/255 for [0, 1]). */
  rescale: z.number().positive(),
  mean: rgbTriple,
  std: rgbTriple,
  channelOrder: z.enum(['RGB', 'BGR']).default('RGB'),
  layout: z.literal('NCHW').default('NCHW'),
});

export type PreprocessSpec = z.infer<typeof preprocessSchema>;
