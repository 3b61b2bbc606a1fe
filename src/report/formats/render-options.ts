/** How a report is drawn (the HTML format's charts); the figures themselves are in the Report. */
export interface RenderOptions {
  /** Categories drawn by name in the share charts; the rest are "other" (`--top`). */
  readonly top: number;
  /** The month of the world map (`--map-month`); a host without it shows its latest month. */
  readonly mapMonth?: string;
}

export const DEFAULT_RENDER_OPTIONS: RenderOptions = { top: 8 };
