"""The SMTP backend Edicola sends through: Django's, with connections that know how far a send got.

A time-out or a dropped connection after the DATA command went out leaves the outcome unknown:
the server may have accepted the message and only failed to say so (a slow server that answers
after our time-out still delivers it). Sending again would mail the reader twice, so such a
failure is raised as DeliveryUnknown; callers record it as "unknown" for an operator to check,
as the deals outbox does with an unanswered send, and never retry it blindly. A failure before
DATA (connection refused, a 4xx to RCPT) or a server's own answer to the message (a 451 or 550)
is an ordinary error, as before.

The connection's time-out is the mailer's `timeout` option (EMAIL_TIMEOUT in the environment).
"""

import smtplib

from django.core.mail.backends.smtp import EmailBackend


class DeliveryUnknown(smtplib.SMTPServerDisconnected):
    """The connection failed after DATA was sent: the message may or may not have arrived."""


class _KnowsHowFarItGot:
    """Mixin for smtplib.SMTP: remembers whether the current transaction's DATA went out."""

    data_sent = False

    def data(self, msg):
        self.data_sent = True
        return super().data(msg)

    def sendmail(self, from_addr, to_addrs, msg, mail_options=(), rcpt_options=()):
        self.data_sent = False
        try:
            return super().sendmail(from_addr, to_addrs, msg, mail_options, rcpt_options)
        except smtplib.SMTPResponseException:
            raise  # the server answered: a definite refusal, not an unknown outcome
        except OSError as error:  # time-out, reset, "connection unexpectedly closed"
            if self.data_sent:
                raise DeliveryUnknown(f"no answer after DATA: {error}") from error
            raise


class SMTP(_KnowsHowFarItGot, smtplib.SMTP):
    pass


class SMTP_SSL(_KnowsHowFarItGot, smtplib.SMTP_SSL):  # noqa: N801 (smtplib's name)
    pass


class SMTPBackend(EmailBackend):
    """Django's SMTP backend over connections that raise DeliveryUnknown (see above)."""

    @property
    def connection_class(self):
        return SMTP_SSL if self.use_ssl else SMTP
