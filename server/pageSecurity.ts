// What every page the helpline serves (web chat, agent console, dashboard) shares in its security headers: a Content
// Security Policy that starts from nothing and never allows framing, forms, <base> or plugins.
import type { Response } from 'express';

/** A page's Content Security Policy: `sources` are the directives naming what this page may load. */
export function pagePolicy(sources: string[]): string {
  return ["default-src 'none'", ...sources, "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'", "object-src 'none'"].join('; ');
}

export function setCommonSecurityHeaders(response: Response): void {
  response.set({
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  });
}
