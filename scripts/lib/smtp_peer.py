#!/usr/bin/env python3
"""The SMTP benchmark's peer: Python's smtplib sending the same messages to the same local server.

Usage: smtp_peer.py PORT FOLDER PER_CONNECTION [--starttls CAFILE]
Sends every .eml file in FOLDER (one recipient each, from its To header), opening a new connection every
PER_CONNECTION messages, and prints the messages per second.
"""
import email
import os
import smtplib
import ssl
import sys
import time


def main():
    port, folder, per_connection = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    context = None
    if len(sys.argv) > 5 and sys.argv[4] == "--starttls":
        context = ssl.create_default_context(cafile=sys.argv[5])
    messages = []
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as handle:
            data = handle.read()
        messages.append((email.message_from_bytes(data)["To"], data))
    start = time.monotonic()
    client = None
    for index, (recipient, data) in enumerate(messages):
        if index % per_connection == 0:
            if client:
                client.quit()
            client = smtplib.SMTP("127.0.0.1", port)
            client.ehlo("acme.com")
            if context:
                client.starttls(context=context)
                client.ehlo("acme.com")
        client.sendmail("no-reply@acme.com", [recipient], data)
    client.quit()
    print(f"{len(messages) / (time.monotonic() - start):.0f}")


if __name__ == "__main__":
    main()
