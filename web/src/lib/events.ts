// The storefront's interaction events: VIEW when a product page opens, CLICK when a shopper picks a
// product from a list, for this browser's shopper token. They are sent with the events key the
// service hands the page (STOREFRONT_EVENTS_KEY, an EVENTS key: it can record events and nothing
// else) — never an admin key. Without that setting the page records nothing. Fire and forget: an
// event that cannot be sent never disturbs the page.
import { shopperToken } from './shopper';

const RECORD = `
  mutation RecordStorefrontEvents($events: [InteractionInput!]!) {
    recordInteractions(events: $events) { accepted duplicates }
  }
`;

let eventsKey: Promise<string | null> | null = null;

function storefrontEventsKey(): Promise<string | null> {
  eventsKey ??= fetch('/storefront-config.json')
    .then((response) =>
      response.ok ? (response.json() as Promise<{ eventsKey: string | null }>) : { eventsKey: null },
    )
    .then((config) => config.eventsKey)
    .catch(() => null);
  return eventsKey;
}

export function recordEvent(type: 'VIEW' | 'CLICK', productId: string): void {
  void storefrontEventsKey().then(async (key) => {
    if (!key) return;
    await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        query: RECORD,
        variables: { events: [{ eventId: crypto.randomUUID(), userToken: shopperToken(), productId, type }] },
      }),
      keepalive: true,
    }).catch(() => undefined);
  });
}
