// Gets a user-supplied product image (URL or base64) into memory and accepts it only if it is safe
// to decode: URLs are fetched only from public addresses (the connection is pinned to the address
// that was checked, and every redirect is checked again), with byte, time and pixel limits, and the
// bytes must really be an image. Every refusal is an InvalidImageError with a stable `reason`.
import { type LookupAddress, type LookupOptions } from 'node:dns';
import { lookup as systemLookup } from 'node:dns/promises';
import { type Readable } from 'node:stream';
import ipaddr from 'ipaddr.js';
import sharp, { type Metadata } from 'sharp';
import { Agent, request } from 'undici';
import { InvalidImageError } from '../errors/domain-errors.js';
import {
  type ImageSource,
  imageSourceProblem,
  type ImageSourceInput,
  type LoadedImage,
} from './image-source.js';

/** Resolves a hostname to every address it has; injected in tests. */
export type HostLookup = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface ImageLoaderOptions {
  /** Largest accepted image in bytes (default 10 MiB). */
  maxBytes?: number;
  /** Largest accepted width × height, read from the header before decoding (default 40 megapixels). */
  maxPixels?: number;
  /** Per connection, DNS excluded (default 5 s). */
  connectTimeoutMs?: number;
  /** The whole fetch: DNS, every redirect hop and the body (default 15 s). */
  totalTimeoutMs?: number;
  /** Redirects followed at most (default 3). */
  maxRedirects?: number;
  /**
   * Hostnames, IP addresses or CIDR ranges that may be fetched although they are private, loopback,
   * link-local etc. (an internal image store; tests). Empty by default: only public addresses.
   */
  allowPrivateNetworks?: readonly string[];
  lookup?: HostLookup;
}

interface ReceivedBytes {
  bytes: Buffer;
  /** The media type the server or data URL declared, lower-case without parameters; null if none. */
  declaredType: string | null;
}

type HopResult = { kind: 'redirect'; location: string } | { kind: 'body'; received: ReceivedBytes };

const MIB = 1024 * 1024;
const MAX_URL_LENGTH = 4096;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Answered by cloud metadata services or the local machine whatever DNS says.
const BLOCKED_HOSTNAMES = new Set([
  'localhost',
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
]);
// Types a server sends when it does not know better; the magic bytes then decide.
const UNTYPED = new Set(['application/octet-stream', 'binary/octet-stream']);
// The only part of IPv6 allocated for global unicast; everything else ipaddr.js calls "unicast"
// (for example the deprecated IPv4-compatible ::a.b.c.d) is unassigned or special.
const IPV6_GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

/**
 * Content types: a response must declare image/*, or declare nothing or application/octet-stream
 * (servers that do not know better), and in every case the magic bytes must be JPEG, PNG, GIF,
 * WebP, AVIF or TIFF. SVG is refused (no magic bytes; a document, not a raster image).
 */
export class ImageLoader implements ImageSource {
  private readonly maxBytes: number;
  private readonly maxPixels: number;
  private readonly connectTimeoutMs: number;
  private readonly totalTimeoutMs: number;
  private readonly maxRedirects: number;
  private readonly lookup: HostLookup;
  private readonly allowedHostnames = new Set<string>();
  private readonly allowedRanges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];

  constructor(options: ImageLoaderOptions = {}) {
    this.maxBytes = options.maxBytes ?? 10 * MIB;
    this.maxPixels = options.maxPixels ?? 40_000_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.totalTimeoutMs = options.totalTimeoutMs ?? 15_000;
    this.maxRedirects = options.maxRedirects ?? 3;
    this.lookup = options.lookup ?? ((hostname) => systemLookup(hostname, { all: true, verbatim: true }));
    for (const entry of options.allowPrivateNetworks ?? []) {
      if (ipaddr.isValidCIDR(entry)) this.allowedRanges.push(ipaddr.parseCIDR(entry));
      else if (ipaddr.isValid(entry)) {
        const address = ipaddr.process(entry);
        this.allowedRanges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      } else this.allowedHostnames.add(normaliseHostname(entry));
    }
  }

  /** Exactly one of `source.url` and `source.base64` (empty strings count as absent). */
  async load(source: ImageSourceInput, field: string): Promise<LoadedImage> {
    const problem = imageSourceProblem(source, field);
    if (problem) throw new InvalidImageError(field, 'source', problem.message);
    const url = source.url || null;
    const base64 = source.base64 || null;
    const received = url !== null ? await this.fetch(url, field) : this.decodeBase64(base64 ?? '', field);
    return this.inspect(received, field);
  }

  /**
   * Plain base64 or a `data:image/…;base64,` URL. Decoding is strict: only the standard alphabet,
   * correct padding, no whitespace, and it must re-encode to the same text.
   */
  private decodeBase64(text: string, field: string): ReceivedBytes {
    let payload = text;
    let declaredType: string | null = null;
    if (/^data:/i.test(text)) {
      const comma = text.indexOf(',');
      if (comma < 0 || comma > 256)
        throw new InvalidImageError(field, 'invalid-base64', 'malformed data URL');
      const [mediaType = '', ...parameters] = text.slice(5, comma).split(';');
      if (!parameters.some((parameter) => parameter.trim().toLowerCase() === 'base64')) {
        throw new InvalidImageError(field, 'invalid-base64', 'data URL must be base64-encoded (;base64,)');
      }
      declaredType = mediaType.trim().toLowerCase() || null;
      payload = text.slice(comma + 1);
    }
    // Checked before decoding so an oversized string is never turned into a buffer.
    if (payload.length > Math.ceil(this.maxBytes / 3) * 4) throw this.tooLarge(field);
    if (payload.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(payload)) {
      throw new InvalidImageError(field, 'invalid-base64', 'base64 contains invalid characters or padding');
    }
    const bytes = Buffer.from(payload, 'base64');
    if (bytes.toString('base64') !== payload) {
      throw new InvalidImageError(field, 'invalid-base64', 'base64 is not canonically encoded');
    }
    if (bytes.length > this.maxBytes) throw this.tooLarge(field);
    return { bytes, declaredType };
  }

  private async fetch(url: string, field: string): Promise<ReceivedBytes> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.totalTimeoutMs);
    try {
      let current = this.parseUrl(url, field);
      for (let redirects = 0; ; redirects++) {
        const addresses = await this.resolvePublicAddresses(current, field, controller.signal);
        const hop = await this.fetchPinned(current, addresses, field, controller.signal);
        if (hop.kind === 'body') return hop.received;
        if (redirects >= this.maxRedirects) {
          throw new InvalidImageError(
            field,
            'redirects',
            `image URL redirected more than ${this.maxRedirects} times`,
          );
        }
        current = this.parseUrl(hop.location, field, current);
      }
    } catch (error) {
      if (error instanceof InvalidImageError) throw error;
      if (controller.signal.aborted || isUndiciTimeout(error)) {
        throw new InvalidImageError(
          field,
          'timeout',
          `image URL timed out (${this.connectTimeoutMs} ms to connect, ${this.totalTimeoutMs} ms in all)`,
        );
      }
      throw new InvalidImageError(field, 'unreachable', 'image URL could not be fetched');
    } finally {
      clearTimeout(timer);
    }
  }

  private parseUrl(text: string, field: string, base?: URL): URL {
    if (text.length > MAX_URL_LENGTH) throw new InvalidImageError(field, 'url', 'image URL is too long');
    let url: URL;
    try {
      url = new URL(text, base);
    } catch {
      throw new InvalidImageError(field, 'url', 'image URL is not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidImageError(field, 'scheme', 'image URL must use http or https');
    }
    if (url.username || url.password) {
      throw new InvalidImageError(field, 'url', 'image URL must not contain credentials');
    }
    return url;
  }

  /** Every address the host resolves to must be allowed; the connection then uses only those. */
  private async resolvePublicAddresses(
    url: URL,
    field: string,
    signal: AbortSignal,
  ): Promise<LookupAddress[]> {
    const hostname = normaliseHostname(url.hostname);
    const literal = hostname.replace(/^\[(.*)\]$/, '$1');
    const refuse = (what: string) =>
      new InvalidImageError(field, 'private-address', `image URL points to ${what}, which is not allowed`);
    if (ipaddr.isValid(literal)) {
      if (!this.isAllowedAddress(literal, hostname)) throw refuse('a private or reserved address');
      return [{ address: literal, family: ipaddr.parse(literal).kind() === 'ipv4' ? 4 : 6 }];
    }
    if (
      !this.allowedHostnames.has(hostname) &&
      (BLOCKED_HOSTNAMES.has(hostname) || hostname.endsWith('.localhost'))
    ) {
      throw refuse(`an internal host (${printable(hostname)})`);
    }
    let addresses: readonly LookupAddress[];
    try {
      addresses = await abortable(this.lookup(hostname), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      throw new InvalidImageError(field, 'dns', `image host ${printable(hostname)} could not be resolved`);
    }
    if (addresses.length === 0)
      throw new InvalidImageError(field, 'dns', `image host ${printable(hostname)} has no address`);
    if (addresses.some(({ address }) => !this.isAllowedAddress(address, hostname))) {
      throw refuse(`${printable(hostname)}, which resolves to a private or reserved address`);
    }
    return [...addresses];
  }

  private isAllowedAddress(address: string, hostname: string): boolean {
    if (this.allowedHostnames.has(hostname)) return true;
    if (!ipaddr.isValid(address)) return false;
    const ip = ipaddr.process(address);
    if (this.allowedRanges.some(([range, bits]) => range.kind() === ip.kind() && ip.match(range, bits)))
      return true;
    return isPublicAddress(address);
  }

  /**
   * One request whose connection can only go to `addresses`: the socket's DNS lookup is replaced,
   * so a second (rebinding) answer cannot be used. Host header and TLS SNI stay the URL's hostname.
   * undici's request() never follows redirects itself; fetch() re-checks each Location.
   */
  private async fetchPinned(
    url: URL,
    addresses: readonly LookupAddress[],
    field: string,
    signal: AbortSignal,
  ): Promise<HopResult> {
    const agent = new Agent({
      connect: { lookup: pinnedLookup(url.hostname, addresses), timeout: this.connectTimeoutMs },
      headersTimeout: this.totalTimeoutMs,
      bodyTimeout: this.totalTimeoutMs,
    });
    try {
      const response = await request(url, {
        method: 'GET',
        dispatcher: agent,
        signal,
        // Compressed transfer encodings would hide the magic bytes and allow compression bombs.
        headers: { accept: 'image/*', 'accept-encoding': 'identity', 'user-agent': 'product-recommender' },
      });
      const { statusCode, headers, body } = response;
      if (REDIRECT_STATUSES.has(statusCode)) {
        discard(body);
        const location = headerValue(headers.location);
        if (!location) {
          throw new InvalidImageError(
            field,
            'http-status',
            `image URL redirected (HTTP ${statusCode}) without a Location`,
          );
        }
        return { kind: 'redirect', location };
      }
      if (statusCode !== 200) {
        discard(body);
        throw new InvalidImageError(field, 'http-status', `image URL answered HTTP ${statusCode}`);
      }
      const declaredType = mediaType(headerValue(headers['content-type']));
      if (declaredType !== null && !isImageOrUntyped(declaredType)) {
        discard(body);
        throw new InvalidImageError(
          field,
          'content-type',
          `image URL served ${printable(declaredType)}, not an image`,
        );
      }
      const declaredLength = Number(headerValue(headers['content-length']) ?? Number.NaN);
      if (declaredLength > this.maxBytes) {
        discard(body);
        throw this.tooLarge(field);
      }
      const chunks: Buffer[] = [];
      let length = 0;
      for await (const chunk of body as AsyncIterable<Buffer>) {
        length += chunk.length;
        if (length > this.maxBytes) {
          discard(body);
          throw this.tooLarge(field);
        }
        chunks.push(chunk);
      }
      return { kind: 'body', received: { bytes: Buffer.concat(chunks, length), declaredType } };
    } finally {
      await agent.destroy();
    }
  }

  /** Declared type and magic bytes must both say "image", and sharp must read the header. */
  private async inspect({ bytes, declaredType }: ReceivedBytes, field: string): Promise<LoadedImage> {
    if (declaredType !== null && !isImageOrUntyped(declaredType)) {
      throw new InvalidImageError(
        field,
        'content-type',
        `declared type ${printable(declaredType)} is not an image`,
      );
    }
    const sniffed = sniffImageFormat(bytes);
    if (sniffed === null) {
      throw new InvalidImageError(
        field,
        'not-an-image',
        'data is not a JPEG, PNG, GIF, WebP, AVIF or TIFF image',
      );
    }
    let metadata: Metadata;
    try {
      // metadata() reads only the header; limitInputPixels makes sharp refuse bombs as well.
      metadata = await sharp(bytes, { limitInputPixels: this.maxPixels }).metadata();
    } catch (error) {
      const message = error instanceof Error ? error.message : '';
      if (/pixel limit/i.test(message)) throw this.tooManyPixels(field);
      // BMP: recognised as an image, but sharp's libvips has no BMP loader.
      if (/unsupported image format/i.test(message)) throw unsupported(field, sniffed);
      throw new InvalidImageError(field, 'undecodable', 'image data could not be decoded');
    }
    // sharp's libheif decodes AV1 (AVIF) only; HEVC-coded HEIC would fail later, at decoding.
    if (metadata.format === 'heif' && metadata.compression !== 'av1') throw unsupported(field, 'HEIC');
    if (!metadata.width || !metadata.height) {
      throw new InvalidImageError(field, 'undecodable', 'image has no dimensions');
    }
    if (metadata.width * metadata.height > this.maxPixels) throw this.tooManyPixels(field);
    return {
      bytes,
      format: metadata.format,
      width: metadata.autoOrient?.width ?? metadata.width,
      height: metadata.autoOrient?.height ?? metadata.height,
    };
  }

  private tooLarge(field: string): InvalidImageError {
    return new InvalidImageError(field, 'too-large', `image is larger than ${this.maxBytes} bytes`);
  }

  private tooManyPixels(field: string): InvalidImageError {
    return new InvalidImageError(field, 'too-many-pixels', `image has more than ${this.maxPixels} pixels`);
  }
}

/**
 * Whether an address is ordinary public unicast. Refused: loopback, RFC 1918 private, link-local
 * (169.254/16 with the cloud metadata address, fe80::/10), unique-local fc00::/7, CGNAT 100.64/10,
 * unspecified, multicast, broadcast, reserved/documentation ranges, NAT64, 6to4, Teredo, and any of
 * these wrapped in IPv4-mapped IPv6.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // process() turns IPv4-mapped IPv6 (::ffff:127.0.0.1) into the IPv4 address it stands for.
  const ip = ipaddr.process(address);
  if (ip.range() !== 'unicast') return false;
  return ip.kind() === 'ipv4' || ip.match(IPV6_GLOBAL_UNICAST);
}

/** The image format the leading bytes announce, or null. */
export function sniffImageFormat(bytes: Buffer): string | null {
  const ascii = (start: number, end: number) => bytes.toString('latin1', start, end);
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (ascii(4, 8) === 'ftyp' && bytes.length >= 16) {
    // Major brand at 8, compatible brands from 16 to the end of the ftyp box.
    const boxEnd = Math.min(bytes.readUInt32BE(0), bytes.length, 256);
    const brands = [ascii(8, 12)];
    for (let offset = 16; offset + 4 <= boxEnd; offset += 4) brands.push(ascii(offset, offset + 4));
    if (brands.some((brand) => HEIF_BRANDS.has(brand))) return 'heif';
    return null;
  }
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return 'tiff';
  if (ascii(0, 2) === 'BM' && bytes.length >= 26) return 'bmp';
  return null;
}

const HEIF_BRANDS = new Set(['avif', 'avis', 'heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']);

/**
 * A socket lookup that answers only with the addresses already checked, so the connection cannot
 * reach an address the checks did not see.
 */
function pinnedLookup(expectedHostname: string, addresses: readonly LookupAddress[]) {
  return (
    hostname: string,
    options: LookupOptions,
    callback: (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ): void => {
    const [first] = addresses;
    if (!first || normaliseHostname(hostname) !== normaliseHostname(expectedHostname)) {
      callback(Object.assign(new Error(`unexpected lookup of ${hostname}`), { code: 'ENOTFOUND' }), '');
      return;
    }
    if (options.all) callback(null, [...addresses]);
    else callback(null, first.address, first.family);
  };
}

function unsupported(field: string, format: string): InvalidImageError {
  return new InvalidImageError(
    field,
    'unsupported-format',
    `${format.toUpperCase()} images are not supported; use JPEG, PNG, WebP, GIF, AVIF or TIFF`,
  );
}

/** A server- or client-supplied string, safe and short enough to quote in a message. */
function printable(text: string): string {
  const cleaned = text.replace(/[^\w./+-]/g, '?');
  return cleaned.length > 80 ? `${cleaned.slice(0, 80)}…` : cleaned;
}

/** Abandons a response on purpose: aborts its connection and ignores the AbortError that follows. */
function discard(body: Readable): void {
  body.on('error', () => {});
  body.destroy();
}

function normaliseHostname(hostname: string): string {
  return hostname.toLowerCase().replace(/\.$/, '');
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function mediaType(contentType: string | undefined): string | null {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type ? type : null;
}

function isImageOrUntyped(type: string): boolean {
  return type.startsWith('image/') || UNTYPED.has(type);
}

function isUndiciTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  );
}

/** Rejects as soon as `signal` aborts, even if `promise` (a DNS lookup) never settles. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
