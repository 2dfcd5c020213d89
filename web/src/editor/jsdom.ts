// For component tests of pages with an editor: jsdom has no layout, and CodeMirror measures text
// ranges. Zero-sized rectangles are enough for it to run.
const empty = (): DOMRect => ({ x: 0, y: 0, width: 0, height: 0, top: 0, left: 0, right: 0, bottom: 0, toJSON: () => ({}) }) as DOMRect;
const emptyList = (): DOMRectList => Object.assign([] as DOMRect[], { item: () => null }) as unknown as DOMRectList;

if (typeof Range !== "undefined" && !("getClientRects" in Range.prototype)) {
  Object.assign(Range.prototype, { getClientRects: emptyList, getBoundingClientRect: empty });
}
