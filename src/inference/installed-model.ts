// Which of several candidate models serves a space: the first whose files are all installed. This is
// how an unset IMAGE_MODEL means "ResNet-50 when you downloaded it, else the MobileNetV2 committed
// under models/", so a fresh clone embeds photos offline and installing ResNet-50 later rolls the
// space over to it (re-embedding, like any model change).
import { type ModelDownloader } from './model-downloader.js';
import { type ModelRegistry } from './model-manifest.js';

/** The first candidate that is installed; the first candidate when none is; null when there are none. */
export async function firstInstalledModel(
  candidates: readonly string[],
  registry: ModelRegistry,
  downloader: Pick<ModelDownloader, 'status'>,
): Promise<string | null> {
  for (const id of candidates) {
    const spec = registry.find(id);
    if (spec && (await downloader.status(spec)).complete) return id;
  }
  return candidates[0] ?? null;
}
