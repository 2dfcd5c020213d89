// Placeholder: replaced by the page's implementation.
export default function DatasetsPage() {
  return <div className="page"><h1>DatasetsPage</h1></div>;
}
