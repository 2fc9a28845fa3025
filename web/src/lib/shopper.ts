// The storefront's anonymous shopper: a random token kept in localStorage, the userToken the
// behaviour queries and interaction events use. It identifies a browser, not a person.
export function shopperToken(): string {
  const key = 'recommender.shopperToken';
  let token = localStorage.getItem(key);
  if (!token) {
    token = `shopper-${crypto.randomUUID()}`;
    localStorage.setItem(key, token);
  }
  return token;
}
