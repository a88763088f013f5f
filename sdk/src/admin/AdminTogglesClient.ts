/**
 * `client.admin.toggles`: flip feature toggles for everyone, a share of tenants or one tenant,
 * through `/api/v1/admin/toggles`. Needs the service key or an admin's token. Every change is
 * recorded (see `history`) and reaches every server process within a second.
 */
import { segment } from "../http/buildUrl.ts";
import type { HttpClient } from "../http/HttpClient.ts";
import { type FluxbaseResponse, mapResponse } from "../response.ts";
import type {
  SetToggleInput,
  Toggle,
  ToggleChange,
  ToggleDetail,
  ToggleOverride,
  ToggleSummary,
} from "../toggles/types.ts";

const BASE = "/api/v1/admin/toggles";

/** `client.admin.toggles`: list, set and remove toggles and per-tenant overrides. */
export class AdminTogglesClient {
  readonly #http: HttpClient;

  /** @internal Created by `createClient`. */
  constructor(http: HttpClient) {
    this.#http = http;
  }

  /** Every stored toggle, by id. */
  async list(): Promise<FluxbaseResponse<ToggleSummary[]>> {
    const response = await this.#http.request<{ toggles: ToggleSummary[] }>("GET", BASE);
    return mapResponse(response, (body) => body.toggles);
  }

  /** One toggle with its overrides; `{ tenant }` adds that tenant's value. Errors: `TOGGLE_NOT_FOUND`. */
  get(id: string, options: { tenant?: string } = {}): Promise<FluxbaseResponse<ToggleDetail>> {
    return this.#http.request("GET", `${BASE}/${segment(id)}`, { query: { tenant: options.tenant } });
  }

  /**
   * Sets the platform value, rollout or description; creates the toggle when no code declares it.
   * @example
   * await client.admin.toggles.set("new-billing", { enabled: false, rollout_percent: 10 });
   */
  set(id: string, input: SetToggleInput): Promise<FluxbaseResponse<Toggle>> {
    return this.#http.request("PUT", `${BASE}/${segment(id)}`, { body: input });
  }

  /**
   * Removes what operators set: a toggle the code declares goes back to its default (overrides
   * cleared), one made through the API is deleted. Errors: `TOGGLE_NOT_FOUND`.
   */
  remove(id: string): Promise<FluxbaseResponse<{ id: string; deleted: boolean; reverted: boolean }>> {
    return this.#http.request("DELETE", `${BASE}/${segment(id)}`);
  }

  /** Sets one tenant's value, whatever the platform value and rollout say. Errors: `TOGGLE_NOT_FOUND`. */
  setTenant(
    id: string,
    tenant: string,
    enabled: boolean,
  ): Promise<FluxbaseResponse<ToggleOverride & { toggle: string }>> {
    return this.#http.request("PUT", `${BASE}/${segment(id)}/tenants/${segment(tenant)}`, {
      body: { enabled },
    });
  }

  /** Removes one tenant's value. Errors: `OVERRIDE_NOT_FOUND`. */
  unsetTenant(
    id: string,
    tenant: string,
  ): Promise<FluxbaseResponse<{ toggle: string; tenant: string; deleted: true }>> {
    return this.#http.request("DELETE", `${BASE}/${segment(id)}/tenants/${segment(tenant)}`);
  }

  /** The recorded flips of a toggle, newest first (who, when, old, new). */
  async history(id: string, options: { limit?: number } = {}): Promise<FluxbaseResponse<ToggleChange[]>> {
    const response = await this.#http.request<{ changes: ToggleChange[] }>(
      "GET",
      `${BASE}/${segment(id)}/history`,
      { query: { limit: options.limit } },
    );
    return mapResponse(response, (body) => body.changes);
  }
}
