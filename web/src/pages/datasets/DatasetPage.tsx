// Placeholder: replaced by the page's implementation.
export default function DatasetPage() {
  return <div className="page"><h1>DatasetPage</h1></div>;
}
