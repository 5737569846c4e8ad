// Every bot message goes out as plain text. Our messages quote what consumers and staff typed (a description, a
// claim note), and Web Chat renders markdown with a sanitiser that still lets some HTML through.
import { ActivityTypes, type Middleware, type TurnContext } from 'botbuilder';

export class PlainTextMiddleware implements Middleware {
  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    context.onSendActivities(async (_context, activities, sendNext) => {
      for (const activity of activities) {
        if (activity.type === ActivityTypes.Message) activity.textFormat = 'plain';
      }
      return sendNext();
    });
    await next();
  }
}
