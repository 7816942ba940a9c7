"""The composition root: the one place where clients are made and services wired."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pymongo import MongoClient
from pymongo.database import Database

from service.accounts import TokenService
from service.accounts import UserService
from service.audit import AuditTrail
from service.audit import listed_audit
from service.dashboard import DashboardService
from service.documents import DocTypeService
from service.documents import DocumentService
from service.documents import FixityService
from service.documents import RecognitionService
from service.documents import listed_documents
from service.documents.ocr import Limits
from service.files import CorrectionService
from service.files import DuplicateService
from service.files import FileLists
from service.files import FileService
from service.files import ImportService
from service.files import MergeService
from service.files import TemplateRegistry
from service.followups import ComplaintService
from service.followups import FollowupReport
from service.followups import FollowupService
from service.followups import FollowupTeam
from service.followups import listed_complaints
from service.followups import listed_followups
from service.fulltext import IndexQueue
from service.fulltext import SearchService
from service.fulltext import Sources
from service.intake import IntakeReview
from service.intake import IntakeService
from service.intake import VerificationService
from service.jobs import listed_jobs
from service.listings import Listings
from service.loans import DigitalViews
from service.loans import HandoverService
from service.loans import IncidentService
from service.loans import LoanDesk
from service.loans import LoanService
from service.loans import ReservationService
from service.loans import listed_loans
from service.messages import N_
from service.notices import NoticeService
from service.retention import DestructionExecutor
from service.retention import DestructionRegister
from service.retention import DestructionService
from service.retention import HoldService
from service.retention import RetentionService
from service.scans import InboxService
from service.scans import ScanImportService
from service.settings import Settings
from service.sweeper import Sweeper
from storage import StorageUnavailable
from storage import mongo
from storage.audit import AuditRepository
from storage.corrections import CorrectionRepository
from storage.dashboard import DashboardRepository
from storage.documents import DocumentRepository
from storage.files import FileRepository
from storage.fixity import FixityRepository
from storage.followups import FollowupRepository
from storage.imports import ImportRepository
from storage.index_pending import DocumentMarks
from storage.index_pending import PendingMarks
from storage.intake import IntakeRepository
from storage.jobs import JobQueue
from storage.listing_marks import ListingMarks
from storage.loan_records import IncidentRepository
from storage.loan_records import NoticeRepository
from storage.loan_records import ReservationRepository
from storage.loans import LoanRepository
from storage.notices import UserNoticeRepository
from storage.objects import ObjectStore
from storage.objects import make_minio
from storage.references import References
from storage.retention import RetentionRepository
from storage.retention_destructions import DestructionRepository
from storage.retention_destructions import Tombstones
from storage.retention_locks import ObjectLocks
from storage.retention_register import RegisterRepository
from storage.scan_import import ScanImportRepository
from storage.sequences import Sequences
from storage.templates import TemplateRepository
from storage.tokens import TokenRepository
from storage.users import UserRepository
from storage.verification import VerificationRepository

if TYPE_CHECKING:  # built at the end of build_services, imported there (they import services built before)
    from service.privacy import PrivacyService
    from service.sharing import PartnerService
    from service.sharing import ShareLinks
    from service.sharing import ShareService


@dataclass
class Services:
    """Everything the entrypoints (web, API, CLI, worker) reach the domain through."""

    settings: Settings
    client: MongoClient
    db: Database
    objects: ObjectStore
    jobs: JobQueue
    users: UserService
    tokens: TokenService
    audit: AuditTrail
    files: FileService
    duplicates: DuplicateService
    merging: MergeService
    corrections: CorrectionService
    templates: TemplateRegistry
    imports: ImportService
    doc_types: DocTypeService
    documents: DocumentService
    recognition: RecognitionService
    fixity: FixityService
    sweeper: Sweeper
    scan_imports: ScanImportService
    scan_inbox: InboxService
    search: SearchService
    listings: Listings
    index_queue: IndexQueue
    loans: LoanService
    loan_desk: LoanDesk
    reservations: ReservationService
    incidents: IncidentService
    handover: HandoverService
    digital_views: DigitalViews
    retention: RetentionService
    holds: HoldService
    destructions: DestructionService
    destruction_executor: DestructionExecutor
    destruction_register: DestructionRegister
    intake: IntakeService = None
    intake_review: IntakeReview = None
    verification: VerificationService = None
    dashboard: DashboardService | None = None  # set by build_services
    followups: FollowupService | None = None
    complaints: ComplaintService | None = None
    followup_report: FollowupReport | None = None
    followup_team: FollowupTeam | None = None
    partners: PartnerService | None = None
    shares: ShareService | None = None
    share_links: ShareLinks | None = None
    privacy: PrivacyService | None = None
    notices: NoticeService | None = None

    def ensure_schema(self) -> None:
        """Indexes and buckets; idempotent."""
        mongo.ensure_schema(self.db, self.settings.postgres_url)
        self.objects.ensure_buckets()

    def readiness(self) -> dict[str, str]:
        """'ok' or the reason for each backing service, checked in parallel within the timeout."""
        timeout_ms = int(self.settings.ready_timeout_seconds * 1000)
        checks = {"database": lambda: mongo.ping(self.client, timeout_ms),
                  "storage": self.objects.ping}
        pool = ThreadPoolExecutor(max_workers=len(checks))
        try:
            futures = {name: pool.submit(check) for name, check in checks.items()}
            deadline = time.monotonic() + self.settings.ready_timeout_seconds + 0.5
            return {name: _outcome(future, max(0.0, deadline - time.monotonic()))
                    for name, future in futures.items()}
        finally:
            # A hung server must not hold the answer: leave its check to finish on its own.
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Release the database connections."""
        self.client.close()


def _outcome(future, timeout: float) -> str:
    try:
        future.result(timeout=timeout)
    except StorageUnavailable as exc:
        return f"down: {exc.reason}"
    except FutureTimeout:
        return "down: timeout"
    return "ok"


def _listings(settings: Settings, db: Database, audit: AuditRepository, loans: LoanRepository,
              documents: DocumentRepository, jobs: JobQueue, followups: FollowupRepository) -> Listings:
    """The listing indexes of the kinds lists read at scale, one directory per database (the indexes are
    derived from one database, whatever else shares the data directory)."""
    kinds = {"loan": listed_loans(loans), "audit": listed_audit(audit), "document": listed_documents(documents),
             "job": listed_jobs(jobs), "followup": listed_followups(followups),
             "complaint": listed_complaints(followups)}
    return Listings(ListingMarks(db), settings.data_dir / "listings" / settings.db_name, kinds)


def build_services(settings: Settings) -> Services:
    """Make the clients (lazily connecting) and wire the services over them."""
    client = mongo.make_client(settings.mongo_url, timeout_ms=int(settings.ready_timeout_seconds * 1000))
    db = client[settings.db_name]
    minio = make_minio(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key,
                       settings.s3_secure, settings.s3_region,
                       timeout_seconds=settings.ready_timeout_seconds)
    users = UserService(UserRepository(db))
    audit_repo, loan_repo, document_repo = AuditRepository(db), LoanRepository(db), DocumentRepository(db)
    followup_repo = FollowupRepository(db)
    jobs = JobQueue(db, max_attempts=settings.job_max_attempts)
    listings = _listings(settings, db, audit_repo, loan_repo, document_repo, jobs, followup_repo)
    audit = AuditTrail(audit_repo, listings)
    registry = TemplateRegistry(TemplateRepository(db), audit)
    objects = ObjectStore(minio, settings.bucket_prefix)
    index_queue = IndexQueue(jobs, PendingMarks(db), DocumentMarks(db))
    doc_types = DocTypeService(document_repo, registry, audit)
    retention_repo = RetentionRepository(db)
    search = SearchService(Sources(FileRepository(db), document_repo, objects, doc_types, retention_repo,
                                   index_queue.pending, index_queue.document_marks), settings.search_dir)
    lists = FileLists(search.sources.files, search, index_queue.pending, retention_repo)
    files = FileService(search.sources.files, Sequences(db), audit, settings.archive_number_rule, registry,
                        notify=index_queue, lists=lists)
    limits = Limits(dpi=settings.ocr_dpi, max_pixels=settings.ocr_max_pixels,
                    page_timeout_seconds=settings.ocr_page_timeout_seconds)
    documents = DocumentService(document_repo, files, objects, jobs, audit, doc_types, settings.max_upload_bytes,
                                index_queue.document_marks)
    scan_repo = ScanImportRepository(db)
    scan_inbox = InboxService(scan_repo, documents, objects, audit)
    scan_imports = ScanImportService(scan_repo, files, documents, doc_types, scan_inbox, users, objects, jobs, audit,
                                     settings.archive_number_rule, settings.max_upload_bytes,
                                     settings.ocr_max_pixels, settings.data_dir / "scan-work")
    loans = LoanService(loan_repo, files, audit, settings.loan_days, listings, settings.timezone)
    files.grants = loans.digital_grant
    search.borrowed = loans.digital_files
    merging = MergeService(files)
    merging.guards.append(lambda file_id: N_("纸质档案已借出，归还后才能合并") if loans.repo.folder(file_id) else None)
    notices = NoticeService(UserNoticeRepository(db), jobs)
    loans.after_decision.append(notices.loan_decided)  # the borrower hears of the decision
    reservations = ReservationService(ReservationRepository(db), NoticeRepository(db), loans, audit)
    incidents = IncidentService(IncidentRepository(db), audit)
    loan_desk = LoanDesk(loans, incidents, reservations, users, audit, settings.loan_renewal_limit)
    retention = RetentionService(retention_repo, files, document_repo, loans.repo, doc_types, registry,
                                 ObjectLocks(minio, objects), audit, settings.timezone, notify=index_queue, lists=lists)
    files.after_write.append(retention.file_changed)
    documents.after_upload.append(retention.document_added)
    destructions = DestructionService(DestructionRepository(db), retention, loans.repo, Sequences(db), audit)
    register = DestructionRegister(RegisterRepository(db))
    executor = DestructionExecutor(destructions, Tombstones(db), objects, search, register, audit, jobs)
    users.deactivation_guards.append(
        lambda username: N_("仍有借出未还的纸质档案，不能停用")
        if loan_desk.holds_folder(username) else None)
    intake = IntakeService(IntakeRepository(db), files, document_repo, doc_types, audit)
    followups = FollowupService(followup_repo, files, users, audit, listings, settings.timezone)
    files.after_write.append(followups.file_changed)
    services = Services(intake=intake, notices=notices, intake_review=IntakeReview(intake),
                    verification=VerificationService(VerificationRepository(db), files, audit, settings.timezone),
                    followups=followups, complaints=ComplaintService(followups.repo, followups, audit),
                    followup_report=FollowupReport(followups.repo, followups), followup_team=FollowupTeam(followups),
                    retention=retention, holds=HoldService(retention, audit), destructions=destructions,
                    destruction_executor=executor, destruction_register=register,
                    doc_types=doc_types, loans=loans, loan_desk=loan_desk, reservations=reservations,
                    incidents=incidents, handover=HandoverService(loans, reservations, files, users, audit),
                    digital_views=DigitalViews(loans, documents, audit, settings.timezone),
                    fixity=FixityService(FixityRepository(db), document_repo, objects, audit),
                    sweeper=Sweeper(References(db), document_repo, objects, jobs, settings.sweep_grace_seconds,
                                    index_queue),
                    documents=documents, scan_imports=scan_imports, scan_inbox=scan_inbox,
                    recognition=RecognitionService(document_repo, objects, limits, settings.data_dir / "work",
                                                   notify=index_queue),
                    search=search, listings=listings,
                    index_queue=index_queue,
                    settings=settings, client=client, db=db, objects=objects, jobs=jobs,
                    templates=registry,
                    imports=ImportService(ImportRepository(db), files, registry, users, objects, jobs),
                    users=users,
                    tokens=TokenService(TokenRepository(db), users, settings.token_days),
                    audit=audit, files=files, duplicates=DuplicateService(files), merging=merging,
                    corrections=CorrectionService(CorrectionRepository(db), files))
    services.dashboard = DashboardService(DashboardRepository(db), jobs, loans, listings, settings.timezone,
                                          lists=lists)
    services.dashboard.verification = services.verification
    _wire_sharing(services)
    return services


def _wire_sharing(services: Services) -> None:
    """Partners, external shares and personal-information rules, with their guards on loans and shares."""
    from service.privacy import PrivacyService
    from service.sharing import PartnerService
    from service.sharing import ShareLinks
    from service.sharing import ShareService
    from storage.partners import PartnerRepository
    from storage.privacy import PrivacyRepository
    from storage.sharing import ShareRepository
    db = services.db
    services.partners = PartnerService(PartnerRepository(db), services.objects, services.audit)
    services.shares = ShareService(ShareRepository(db), services.partners.repo, services.files, services.documents,
                                   services.templates, services.audit, services.settings.timezone)
    services.share_links = ShareLinks(services.shares)
    services.privacy = PrivacyService(PrivacyRepository(db), services.files, services.templates, services.retention,
                                      services.audit, services.documents)
    services.privacy.sources = (services.documents.repo, services.loans.repo, services.objects)
    services.loans.guards.append(services.privacy.restriction)
    services.shares.guards.append(services.privacy.restriction)
