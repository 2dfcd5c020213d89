// Placeholder: replaced by the page's implementation.
export default function PipelinePage() {
  return <div className="page"><h1>PipelinePage</h1></div>;
}
