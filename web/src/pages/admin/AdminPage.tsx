// Placeholder: replaced by the page's implementation.
export default function AdminPage() {
  return <div className="page"><h1>AdminPage</h1></div>;
}
