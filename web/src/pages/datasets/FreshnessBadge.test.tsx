import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { FreshnessBadge } from "./FreshnessBadge";
import { airports, flights } from "./fixtures";

describe("FreshnessBadge", () => {
  it("shows the alerts' level beside the label and names the spec's SLA in its title", () => {
    render(<FreshnessBadge freshness={{ ...airports.freshness, level: "error", sla: "warn_after 2h, error_after 6h" }} />);
    const badge = screen.getByTestId("freshness-badge");
    expect(badge.getAttribute("data-status")).toBe("stale");
    expect(badge.getAttribute("data-level")).toBe("error");
    expect(badge.textContent).toBe("late · error");
    expect(badge.className).toContain("level-error");
    expect(badge.title).toMatch(/^was due .*; SLA: warn_after 2h, error_after 6h; alert level: error$/);
  });

  it("says warn at level warn", () => {
    render(<FreshnessBadge freshness={{ ...airports.freshness, level: "warn", sla: "warn_after 1h" }} />);
    expect(screen.getByTestId("freshness-level").textContent).toBe(" · warn");
    expect(screen.getByTestId("freshness-badge").title).toContain("SLA: warn_after 1h; alert level: warn");
  });

  it("without an SLA or a level reads as before: the label and when the next commit is due", () => {
    render(<FreshnessBadge freshness={flights.freshness} />);
    const badge = screen.getByTestId("freshness-badge");
    expect(badge.textContent).toBe("fresh");
    expect(badge.getAttribute("data-level")).toBe("none");
    expect(screen.queryByTestId("freshness-level")).toBeNull();
    expect(badge.title).toMatch(/^next commit due [^;]*$/);
  });

  it("a fresh dataset within its SLA names the SLA but no level", () => {
    render(<FreshnessBadge freshness={{ ...flights.freshness, sla: "warn_after 3h" }} />);
    const badge = screen.getByTestId("freshness-badge");
    expect(badge.textContent).toBe("fresh");
    expect(badge.title).toMatch(/^next commit due .*; SLA: warn_after 3h$/);
  });
});
