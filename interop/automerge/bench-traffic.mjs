// Counts WebSocket bytes of the automerge-repo clients in this process (both directions).
import WebSocket from "ws";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";

export const traffic = { sent: 0, received: 0, messagesSent: 0, messagesReceived: 0 };
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data, ...rest) {
  traffic.sent += data.byteLength ?? data.length ?? 0;
  traffic.messagesSent++;
  return send.call(this, data, ...rest);
};
const receive = WebSocketClientAdapter.prototype.receiveMessage;
WebSocketClientAdapter.prototype.receiveMessage = function (bytes) {
  traffic.received += bytes.byteLength ?? bytes.length ?? 0;
  traffic.messagesReceived++;
  return receive.call(this, bytes);
};
export function resetTraffic() {
  traffic.sent = traffic.received = traffic.messagesSent = traffic.messagesReceived = 0;
}
