export function Header(props: { title: string; children?: React.ReactNode }) {
  return (
    <header className="top">
      <h1>{props.title}</h1>
      <nav aria-label="Pages">
        <a href="/">Shop</a>
        <a href="/analyst">Analyst</a>
        <a href="/admin">Admin</a>
        <a href="/graphql">GraphiQL</a>
      </nav>
      {props.children}
    </header>
  );
}
