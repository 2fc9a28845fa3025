// The demo catalogue's product photos: simple drawings (SVG) of each category's products in the
// product's colour, rasterised with sharp. They are generated, so the repository may redistribute
// them, and they differ in shape between categories and within one (the variant: earbuds are not
// headphones), which is what an image model's "looks similar" needs to show something.
import sharp from 'sharp';

export interface DemoLook {
  /** The drawing: one per demo category. */
  readonly shape: string;
  /** 0–2: the category's product kinds (e.g. headphones, earbuds, headset). */
  readonly variant: number;
  /** CSS colour of the product. */
  readonly colour: string;
}

const SIZE = 256;

/** A PNG of the product, as base64 (what `image: { base64 }` takes). */
export async function renderDemoPhoto(look: DemoLook): Promise<string> {
  const png = await sharp(Buffer.from(demoSvg(look)))
    .png()
    .toBuffer();
  return png.toString('base64');
}

export function demoSvg({ shape, variant, colour }: DemoLook): string {
  const draw = DRAWINGS[shape];
  if (!draw) throw new Error(`no demo drawing for shape "${shape}"`);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 256 256">` +
    `<rect width="256" height="256" fill="#f4f2ee"/>` +
    `<ellipse cx="128" cy="232" rx="86" ry="10" fill="#00000022"/>` +
    draw(colour, variant) +
    `</svg>`
  );
}

const DARK = '#2b2b2b';
const METAL = '#9aa0a6';

const DRAWINGS: Record<string, (c: string, v: number) => string> = {
  headphones: (c, v) =>
    v === 1
      ? // earbuds and their case
        `<rect x="70" y="120" width="116" height="90" rx="40" fill="${c}"/>` +
        `<circle cx="100" cy="90" r="22" fill="${c}" stroke="${DARK}" stroke-width="4"/>` +
        `<circle cx="156" cy="90" r="22" fill="${c}" stroke="${DARK}" stroke-width="4"/>` +
        `<rect x="92" y="100" width="14" height="40" rx="7" fill="${c}"/>` +
        `<rect x="150" y="100" width="14" height="40" rx="7" fill="${c}"/>`
      : `<path d="M60 150 C60 40 196 40 196 150" fill="none" stroke="${c}" stroke-width="16"/>` +
        `<rect x="40" y="130" width="44" height="76" rx="18" fill="${c}" stroke="${DARK}" stroke-width="4"/>` +
        `<rect x="172" y="130" width="44" height="76" rx="18" fill="${c}" stroke="${DARK}" stroke-width="4"/>` +
        (v === 2 ? `<path d="M62 190 Q90 230 128 214" fill="none" stroke="${DARK}" stroke-width="8"/>` : ''),
  'running-shoes': (c, v) =>
    `<path d="M30 190 L40 130 Q60 120 90 135 L140 150 Q200 150 226 178 L226 200 L30 200 Z" fill="${c}" stroke="${DARK}" stroke-width="4"/>` +
    `<rect x="26" y="198" width="204" height="${v === 1 ? 22 : 12}" rx="6" fill="${v === 2 ? '#f0c020' : '#ffffff'}" stroke="${DARK}" stroke-width="3"/>` +
    `<path d="M80 140 L110 150 M92 132 L120 146 M104 126 L130 142" stroke="#ffffff" stroke-width="5"/>`,
  'coffee-makers': (c, v) =>
    v === 2
      ? // French press
        `<rect x="88" y="70" width="80" height="140" rx="8" fill="#cfe3ec" stroke="${DARK}" stroke-width="5"/>` +
        `<rect x="80" y="58" width="96" height="18" rx="6" fill="${c}"/>` +
        `<rect x="124" y="30" width="8" height="30" fill="${METAL}"/><circle cx="128" cy="28" r="10" fill="${c}"/>` +
        `<path d="M168 100 Q206 110 168 170" fill="none" stroke="${c}" stroke-width="12"/>` +
        `<rect x="92" y="150" width="72" height="56" fill="#6b3e26"/>`
      : `<rect x="60" y="40" width="136" height="170" rx="14" fill="${c}" stroke="${DARK}" stroke-width="4"/>` +
        `<rect x="76" y="120" width="104" height="70" fill="#e8e4dc"/>` +
        (v === 0
          ? `<rect x="110" y="92" width="36" height="16" fill="${METAL}"/><rect x="108" y="150" width="40" height="38" rx="4" fill="#ffffff"/>`
          : `<path d="M96 130 L160 130 L150 188 L106 188 Z" fill="#cfe3ec" stroke="${DARK}" stroke-width="3"/>`) +
        `<circle cx="150" cy="64" r="9" fill="#e8e4dc"/>`,
  backpacks: (c, v) =>
    `<rect x="62" y="50" width="132" height="170" rx="${v === 0 ? 40 : 18}" fill="${c}" stroke="${DARK}" stroke-width="4"/>` +
    `<path d="M98 52 Q128 20 158 52" fill="none" stroke="${DARK}" stroke-width="8"/>` +
    `<rect x="82" y="${v === 2 ? 90 : 130}" width="92" height="${v === 2 ? 110 : 70}" rx="12" fill="#00000030"/>` +
    `<line x1="86" y1="${v === 2 ? 96 : 138}" x2="170" y2="${v === 2 ? 96 : 138}" stroke="${METAL}" stroke-width="4"/>`,
  smartwatches: (c, v) =>
    `<rect x="104" y="20" width="48" height="216" rx="18" fill="${c}"/>` +
    (v === 1
      ? `<rect x="92" y="96" width="72" height="64" rx="30" fill="${DARK}"/><rect x="106" y="116" width="44" height="24" rx="10" fill="#3fd28b"/>`
      : v === 2
        ? `<circle cx="128" cy="128" r="50" fill="${DARK}" stroke="${METAL}" stroke-width="8"/><path d="M128 128 L128 96 M128 128 L152 140" stroke="#ffffff" stroke-width="5"/>`
        : `<rect x="80" y="80" width="96" height="96" rx="24" fill="${DARK}" stroke="${METAL}" stroke-width="6"/><circle cx="128" cy="128" r="26" fill="none" stroke="#3fa7ff" stroke-width="8"/>`),
  'office-chairs': (c, v) =>
    (v === 2
      ? `<ellipse cx="128" cy="110" rx="62" ry="18" fill="${c}" stroke="${DARK}" stroke-width="4"/>`
      : `<rect x="78" y="${v === 1 ? 24 : 46}" width="100" height="${v === 1 ? 96 : 70}" rx="20" fill="${c}" stroke="${DARK}" stroke-width="4"/>` +
        `<rect x="64" y="124" width="128" height="26" rx="12" fill="${c}" stroke="${DARK}" stroke-width="4"/>`) +
    `<rect x="122" y="${v === 2 ? 124 : 150}" width="12" height="${v === 2 ? 70 : 44}" fill="${METAL}"/>` +
    `<path d="M128 196 L70 220 M128 196 L186 220 M128 196 L128 226" stroke="${DARK}" stroke-width="8"/>` +
    `<circle cx="70" cy="222" r="7" fill="${DARK}"/><circle cx="186" cy="222" r="7" fill="${DARK}"/><circle cx="128" cy="228" r="7" fill="${DARK}"/>`,
  'water-bottles': (c, v) =>
    v === 2
      ? // tumbler
        `<path d="M84 70 L172 70 L160 216 L96 216 Z" fill="${c}" stroke="${DARK}" stroke-width="4"/>` +
        `<rect x="78" y="54" width="100" height="20" rx="6" fill="${DARK}"/><rect x="150" y="24" width="8" height="34" fill="${METAL}"/>`
      : `<rect x="${v === 1 ? 90 : 98}" y="60" width="${v === 1 ? 76 : 60}" height="158" rx="24" fill="${c}" stroke="${DARK}" stroke-width="4"/>` +
        `<rect x="108" y="30" width="40" height="34" rx="6" fill="${v === 1 ? METAL : DARK}"/>` +
        `<rect x="${v === 1 ? 90 : 98}" y="110" width="${v === 1 ? 76 : 60}" height="30" fill="#ffffff55"/>`,
  't-shirts': (c, v) =>
    `<path d="M84 40 Q128 ${v === 1 ? 76 : 64} 172 40 L230 80 L206 120 L184 108 L184 220 L72 220 L72 108 L50 120 L26 80 Z" fill="${c}" stroke="${DARK}" stroke-width="4"/>` +
    (v === 2 ? `<path d="M72 150 L184 150" stroke="#ffffff" stroke-width="10"/>` : '') +
    (v === 1 ? `<circle cx="150" cy="90" r="10" fill="#3c8d3c"/>` : ''),
  bicycles: (c, v) =>
    `<circle cx="66" cy="170" r="${v === 1 ? 46 : 42}" fill="none" stroke="${DARK}" stroke-width="${v === 1 ? 10 : 6}"/>` +
    `<circle cx="190" cy="170" r="${v === 1 ? 46 : 42}" fill="none" stroke="${DARK}" stroke-width="${v === 1 ? 10 : 6}"/>` +
    `<path d="M66 170 L112 110 L176 110 L190 170 M112 110 L128 170 L176 110 M128 170 L66 170" fill="none" stroke="${c}" stroke-width="9"/>` +
    `<path d="M112 110 L104 88 L128 88 M176 110 L170 80 L192 74" fill="none" stroke="${DARK}" stroke-width="6"/>` +
    (v === 2 ? `<rect x="122" y="120" width="34" height="22" rx="5" fill="${DARK}"/>` : ''),
  'desk-lamps': (c, v) =>
    `<ellipse cx="96" cy="210" rx="50" ry="12" fill="${c}" stroke="${DARK}" stroke-width="4"/>` +
    (v === 2
      ? `<rect x="60" y="150" width="30" height="40" fill="${METAL}"/><path d="M76 160 L150 70" stroke="${c}" stroke-width="10"/>`
      : `<path d="M96 204 L${v === 1 ? 96 : 70} 120 L160 ${v === 1 ? 50 : 70}" fill="none" stroke="${c}" stroke-width="10"/>`) +
    `<path d="M140 ${v === 1 ? 40 : 56} L210 ${v === 1 ? 60 : 86} L190 120 Z" fill="${c}" stroke="${DARK}" stroke-width="4"/>` +
    `<path d="M196 112 L214 150" stroke="#ffd84d" stroke-width="${v === 1 ? 4 : 14}" opacity="0.7"/>`,
};

/** The shapes there are drawings for (the demo categories' slugs). */
export const DEMO_SHAPES: readonly string[] = Object.keys(DRAWINGS);
