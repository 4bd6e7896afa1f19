Feature: Pitfalls
  Treatment plans in which IVIG would work too slowly or be removed
  before it can act, and which therefore need clinical review.

  @PIT-MONOTHERAPY @cite.schneider-2021
  Rule: IVIG is not monotherapy for severe acute myositis
    IVIG is not used as monotherapy in severe acute myositis, because its onset of action is slower than that of plasmapheresis. A request for severe acute myositis without concurrent therapy needs clinical review.

    Scenario: Severe acute myositis treated with IVIG alone is pended
      Given a request like the source case
      And severe_acute is true
      When the request is assessed
      Then the decision is pend
      And PIT-MONOTHERAPY applies
      And the reasons are PIT-MONOTHERAPY
      And nothing is authorized

    Scenario: Severe acute myositis with an empty list of concurrent therapies is pended
      Given a request like the source case
      And severe_acute is true
      And concurrent_therapies is []
      When the request is assessed
      Then the decision is pend
      And PIT-MONOTHERAPY applies
      And the reasons are PIT-MONOTHERAPY

    Scenario Outline: Severe acute myositis with a concurrent therapy is not IVIG monotherapy
      Given a request like the source case
      And severe_acute is true
      And concurrent_therapies is <therapies>
      When the request is assessed
      Then the decision is approve
      And PIT-MONOTHERAPY does not apply
      And PIT-MONOTHERAPY is met
      And there are no reasons

      Examples:
        | therapies                          |
        | ["plasma_exchange"]                |
        | ["corticosteroid"]                 |
        | ["corticosteroid", "methotrexate"] |

    Scenario: IVIG alone is not a pitfall when the myositis is not severe and acute
      Given a request like the source case
      And severe_acute is false
      When the request is assessed
      Then the decision is approve
      And PIT-MONOTHERAPY does not apply
      And PIT-MONOTHERAPY is not applicable

    Scenario: IVIG alone is not a pitfall when severity is not reported
      Given a request like the source case
      And severe_acute is not stated
      When the request is assessed
      Then PIT-MONOTHERAPY does not apply
      And PIT-MONOTHERAPY is not applicable

  @PIT-PLASMAPHERESIS @cite.schneider-2021
  Rule: Plasmapheresis is not performed immediately after IVIG
    Plasmapheresis is not performed immediately after IVIG, because it removes the immunoglobulin. Plasmapheresis planned within 14 days after the end of a course needs clinical review.

    @boundary
    Scenario Outline: Plasmapheresis planned within 14 days after the course is pended
      Given a request like the source case
      And plasmapheresis_days_after_course is <days>
      When the request is assessed
      Then the decision is pend
      And PIT-PLASMAPHERESIS applies
      And the reasons are PIT-PLASMAPHERESIS
      And nothing is authorized

      Examples:
        | days |
        | 0    |
        | 7    |
        | 14   |

    @boundary
    Scenario Outline: Plasmapheresis planned more than 14 days after the course is not a pitfall
      Given a request like the source case
      And plasmapheresis_days_after_course is <days>
      When the request is assessed
      Then the decision is approve
      And PIT-PLASMAPHERESIS does not apply
      And PIT-PLASMAPHERESIS is met
      And there are no reasons

      Examples:
        | days |
        | 15   |
        | 30   |

    Scenario: A request without planned plasmapheresis is not a pitfall
      Given a request like the source case
      And plasmapheresis_days_after_course is null
      When the request is assessed
      Then PIT-PLASMAPHERESIS does not apply
      And PIT-PLASMAPHERESIS is not applicable
      And the decision is approve
