/** `client.toggles`: feature toggles for the caller's tenant, through `GET /api/v1/toggles/:id`. */
import { segment } from "../http/buildUrl.ts";
import type { HttpClient } from "../http/HttpClient.ts";
import { type FluxbaseResponse, mapResponse } from "../response.ts";
import type { ToggleValue } from "./types.ts";

/** `client.toggles`: whether a feature toggle is on for the signed-in user's tenant. */
export class TogglesClient {
  readonly #http: HttpClient;

  /** @internal Created by `createClient`. */
  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * Whether the toggle is on for the caller's tenant (the token's tenant claim, else the user).
   * Errors: `TOGGLE_NOT_FOUND` (404).
   * @example
   * const { data: on, error } = await client.toggles.isOn("new-billing");
   * if (on) showNewBilling();
   */
  async isOn(id: string): Promise<FluxbaseResponse<boolean>> {
    return mapResponse(await this.get(id), (value) => value.on);
  }

  /** The toggle's value with the tenant it was decided for. Errors: `TOGGLE_NOT_FOUND` (404). */
  get(id: string): Promise<FluxbaseResponse<ToggleValue>> {
    return this.#http.request("GET", `/api/v1/toggles/${segment(id)}`);
  }
}
