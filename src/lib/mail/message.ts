/** One plain-text message to one recipient. */
export interface Message {
  to: string;
  subject: string;
  text: string;
}
