/**
 * Deletion requests received by email (the policy: "request deletion by emailing support").
 *
 * 1. Support records the request: the requester's address, when it was received, the ticket.
 *    The address must be an account's; the account's owner is emailed a single-use link
 *    (7 days) to confirm.
 * 2. The owner opens the link and presses the button (opening it changes nothing): the request
 *    is confirmed, then the account is erased with the same erasure as self-service deletion
 *    (eraseAccountIn, src/lib/accounts/deletion.ts), its audit entry and the request's
 *    completion in the same transaction. If that second step fails, the request stays
 *    "confirmed" and support completes it from the queue.
 *    Or support, having verified the requester's identity another way, deletes with a reason.
 * 3. A completed or cancelled request keeps no personal data: the address and link are
 *    removed (a trigger does the same when the account is erased by any other path).
 */

// The parts, each in its own module: the form support fills in, the workflow above (its
// messages are in deletion-request-emails.ts), and the queue support works from.
export * from './deletion-request-form.ts';
export * from './deletion-request-workflow.ts';
export * from './deletion-request-queue.ts';
