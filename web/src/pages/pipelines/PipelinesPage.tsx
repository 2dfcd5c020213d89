// Placeholder: replaced by the page's implementation.
export default function PipelinesPage() {
  return <div className="page"><h1>PipelinesPage</h1></div>;
}
