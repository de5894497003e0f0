/** Refuses requests from outside the household network unless the admin opted in (docs/DESIGN.md, "LAN only"). */
import type { NextFunction, Request, Response } from 'express';
import { isLanAddress } from '../net/lanAddress.ts';

export function lanOnly(allowNonLan: boolean) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const address = req.socket.remoteAddress ?? '';
    if (allowNonLan || isLanAddress(address)) {
      next();
      return;
    }
    res.status(403).json({
      error: 'forbidden',
      message: `requests from ${address} are refused: Hearth answers only the local network. ` +
        'An admin can set http.allowNonLan: true in the config to change this.',
    });
  };
}
