// A stand-in for the browser's EventSource (jsdom has none): tests open, feed and break streams.
import { act } from "@testing-library/react";
import { vi } from "vitest";

export class FakeEventSource {
  static instances: FakeEventSource[] = [];
  readonly url: string;
  closed = false;
  onopen: ((e: Event) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  private listeners = new Map<string, ((e: Event) => void)[]>();

  constructor(url: string | URL) {
    this.url = String(url);
    FakeEventSource.instances.push(this);
  }

  addEventListener(name: string, listener: (e: Event) => void) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
  }

  removeEventListener() {}

  close() {
    this.closed = true;
  }

  open() {
    act(() => this.onopen?.(new Event("open")));
  }

  emit(name: string, data: unknown, lastEventId = "") {
    const event = new MessageEvent(name, { data: JSON.stringify(data), lastEventId });
    act(() => this.listeners.get(name)?.forEach((l) => l(event)));
  }

  fail() {
    act(() => this.onerror?.(new Event("error")));
  }

  static install() {
    FakeEventSource.instances = [];
    vi.stubGlobal("EventSource", FakeEventSource);
  }

  static latest(url: string): FakeEventSource | undefined {
    return [...FakeEventSource.instances].reverse().find((s) => s.url === url && !s.closed);
  }
}
