// Drawing the linking QR code: as text art for the terminal where `npm start` runs, and as SVG for the supervisors'
// page. The `qrcode` package is loaded the first time a QR is drawn, not when the server starts.
export interface QrRenderer {
  /** The QR as text art for a terminal. */
  terminal(text: string): Promise<string | undefined>;
  /** The QR as an SVG document. */
  svg(text: string): Promise<string | undefined>;
}

export async function loadQrRenderer(): Promise<QrRenderer> {
  const { toString } = await import('qrcode');
  return {
    terminal: (text) => toString(text, { type: 'terminal', small: true }),
    svg: (text) => toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
  };
}

export function lazyQrRenderer(load: () => Promise<QrRenderer> = loadQrRenderer): QrRenderer {
  let loaded: Promise<QrRenderer> | undefined;
  const renderer = () => (loaded ??= load());
  return {
    terminal: async (text) => (await renderer()).terminal(text),
    svg: async (text) => (await renderer()).svg(text),
  };
}

/** For tests that are not about the QR's picture: draws nothing, so the raw QR text is shown instead. */
export const noQrRenderer: QrRenderer = {
  async terminal() {
    return undefined;
  },
  async svg() {
    return undefined;
  },
};
