"""The messengers Sferum runs on: every chat, channel and link records which one."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    VK = "vk", _("VK Messenger")
    MAX = "max", _("MAX")
