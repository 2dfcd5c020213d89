// Placeholder: replaced by the page's implementation.
export default function RunsPage() {
  return <div className="page"><h1>RunsPage</h1></div>;
}
