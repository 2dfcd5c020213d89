// Placeholder: replaced by the page's implementation.
export default function QueryPage() {
  return <div className="page"><h1>QueryPage</h1></div>;
}
