from celery import shared_task

from . import services


@shared_task
def read_roster_upload(import_id: int) -> str:
    return services.read_roster_upload(import_id=import_id).status


@shared_task
def plan_roster_upload(import_id: int) -> str:
    return services.plan_roster_upload(import_id=import_id).status


@shared_task
def apply_roster_import(import_id: int) -> str:
    return services.run_roster_import(import_id=import_id).status


@shared_task
def purge_roster_files() -> int:
    return services.purge_roster_files()


@shared_task
def redispatch_queued_imports() -> int:
    return services.redispatch_queued_imports()


@shared_task
def purge_login_records() -> int:
    return services.purge_login_records()


@shared_task
def clear_expired_sessions() -> int:
    return services.clear_expired_sessions()
