// Placeholder: replaced by the page's implementation.
export default function RunPage() {
  return <div className="page"><h1>RunPage</h1></div>;
}
