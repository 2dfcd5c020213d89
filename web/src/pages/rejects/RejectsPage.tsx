// Placeholder: replaced by the page's implementation.
export default function RejectsPage() {
  return <div className="page"><h1>RejectsPage</h1></div>;
}
