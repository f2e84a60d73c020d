"""Completion notices' adapters: the HTTP/SMTP sender and the stores of owner secrets and sent notices.

The job side (what a notice says, when it is sent, signing, idempotency) is
``service/jobs/notify.py``; these implement its ``NoticeSender`` and
``NoticeStore`` ports. Built only by ``service.bootstrap``.
"""
